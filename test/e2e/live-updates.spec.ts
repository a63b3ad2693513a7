import { expect, test } from '@playwright/test';
import { expectSameDocument, gift, markDocument, navLink, newUserId, openAs, signIn } from './support';

// The balance refetches every 60 s anyway: these waits are far shorter, so a pass means the
// server-sent `credits` event delivered the change.
const PUSHED = { timeout: 15_000 };

test('a gift moves credits, and the recipient’s open page updates through events', async ({ page, browser }) => {
  const recipientId = newUserId('recipient');
  const recipient = await openAs(browser, recipientId);
  await expect(recipient.getByTestId('credit-balance')).toHaveText('50');
  await markDocument(recipient);

  await signIn(page, newUserId('giver'));
  await gift(page, recipientId, 7);
  await expect(page.getByTestId('credit-balance')).toHaveText('43');

  await expect(recipient.getByTestId('credit-balance')).toHaveText('57', PUSHED);
  await expectSameDocument(recipient);
  await recipient.context().close();
});

test('a refused gift says why next to the field that caused it', async ({ page }) => {
  await signIn(page, newUserId('refused'));
  await navLink(page, 'Gift').click();
  await page.getByTestId('gift-recipient').fill(newUserId('nobody'));
  await page.getByTestId('gift-amount').fill('5');
  await page.getByTestId('gift-review').click();
  await page.getByTestId('gift-submit').click();
  // Back on the form, the refusal is the recipient field's description.
  await expect(page.getByTestId('gift-recipient')).toHaveAccessibleDescription(/no user/i);
  await expect(page.getByTestId('gift-recipient')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('credit-balance')).toHaveText('50');
});

test('an admin adjustment shows up on the user’s open page through events', async ({ page, browser }) => {
  const userId = newUserId('adjusted');
  await signIn(page, userId);
  await markDocument(page);

  const admin = await openAs(browser, newUserId('admin'), { admin: true });
  await navLink(admin, 'Admin').click();
  await admin.getByTestId('admin-user-id').fill(userId);
  await admin.getByTestId('admin-user-find').click();
  await expect(admin.getByTestId('admin-user-balance')).toContainText('50 credits');
  await admin.getByTestId('admin-adjust-amount').fill('25');
  await admin.getByTestId('admin-adjust-reason').fill('e2e goodwill grant');
  await admin.getByTestId('admin-adjust-review').click();
  await admin.getByTestId('admin-adjust-submit').click();
  await expect(admin.getByTestId('admin-adjust-result')).toContainText('75 credits available');
  await expect(admin.getByTestId('history-row').first()).toContainText('e2e goodwill grant');

  await expect(page.getByTestId('credit-balance')).toHaveText('75', PUSHED);
  await expectSameDocument(page);
  await admin.context().close();
});

test('a non-admin on /admin sees a refusal', async ({ page }) => {
  await signIn(page, newUserId('notadmin'));
  await expect(navLink(page, 'Admin')).toHaveCount(0);
  await page.goto('/admin');
  await expect(page.getByTestId('admin-forbidden')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not allowed');
});

test('signed-out visitors are sent to sign in', async ({ page }) => {
  await page.goto('/credits/history');
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByTestId('dev-sign-in')).toBeVisible();
});
