import { expect, test } from '@playwright/test';
import { gift, navLink, newUserId, openAs, signIn } from './support';

/**
 * The fake payment provider's checkout page (web/CONTRACT.md) has a "Pay" and a "Decline" button;
 * each settles the payment intent and sends the browser back to the purchase's return URL.
 */
test('buying a package: checkout, Pay, and the success page shows the credits and the new balance', async ({ page }) => {
  await signIn(page, newUserId('buy'));
  await navLink(page, 'Buy credits').click();
  await expect(page.getByTestId('package-buy')).toHaveCount(4);
  // The Plus bundle shows its bonus and its saving against the smallest package.
  await expect(page.getByTestId('package-bonus')).toHaveText(/\+ 250 credits bonus/);
  await page.locator('[data-testid="package-buy"][data-package="starter"]').click();

  await expect(page).toHaveURL(/\/checkout\//);
  await page.getByRole('button', { name: 'Pay' }).click();

  await expect(page).toHaveURL(/\/premium\/credits\/success\?purchase=/);
  const result = page.getByTestId('purchase-result');
  await expect(result).toHaveAttribute('data-status', 'fulfilled', { timeout: 30_000 });
  await expect(result).toContainText('100 credits were added');
  await expect(page.getByTestId('purchase-new-balance')).toHaveText('150');
  await expect(page.getByTestId('credit-balance')).toHaveText('150');
});

test('a declined payment shows the failure page with the reason and the balance unchanged', async ({ page }) => {
  await signIn(page, newUserId('decline'));
  await navLink(page, 'Buy credits').click();
  await page.locator('[data-testid="package-buy"][data-package="starter"]').click();

  await expect(page).toHaveURL(/\/checkout\//);
  await page.getByRole('button', { name: 'Decline' }).click();

  await expect(page).toHaveURL(/\/premium\/credits\/failure\?purchase=/);
  const result = page.getByTestId('purchase-result');
  await expect(result).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(page.getByTestId('purchase-failure-reason')).toContainText(/declined/i);
  await expect(page.getByTestId('purchase-retry')).toBeEnabled();
  await expect(page.getByTestId('credit-balance')).toHaveText('50');
});

test('the low-credit banner appears under 10 available credits and goes after a purchase', async ({ page, browser }) => {
  const friend = newUserId('friend');
  // The recipient's account opens on their first request.
  const friendPage = await openAs(browser, friend);
  await friendPage.context().close();

  await signIn(page, newUserId('low'));
  await expect(page.getByTestId('low-credit-banner')).toHaveCount(0);
  await gift(page, friend, 41);
  await expect(page.getByTestId('credit-balance')).toHaveText('9');
  await expect(page.getByTestId('low-credit-banner')).toBeVisible();

  await page.getByTestId('low-credit-banner').getByRole('link', { name: 'Buy credits' }).click();
  await page.locator('[data-testid="package-buy"][data-package="starter"]').click();
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByTestId('purchase-result')).toHaveAttribute('data-status', 'fulfilled', { timeout: 30_000 });
  await expect(page.getByTestId('credit-balance')).toHaveText('109');
  await expect(page.getByTestId('low-credit-banner')).toHaveCount(0);
});
