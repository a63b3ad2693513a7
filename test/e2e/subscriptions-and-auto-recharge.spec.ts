import { expect, test } from '@playwright/test';
import { gift, navLink, newUserId, openAs, signIn } from './support';

/**
 * What a student buys beyond a package: a subscription through the fake provider's subscription
 * checkout (Pay / Decline, back to the web app's return pages), and auto-recharge on the card the
 * first checkout saved, run by the real relay Schedule and saga of `npm run dev`'s stack.
 */
test('subscribing: the plan checkout, Pay, the period credits in the balance, and cancelling at period end', async ({ page }) => {
  await signIn(page, newUserId('subscribe'));
  await navLink(page, 'Buy credits').click();
  await expect(page.getByTestId('plan-subscribe')).toHaveCount(3);
  await page.locator('[data-testid="plan-subscribe"][data-plan="study-monthly"]').click();

  await expect(page).toHaveURL(/\/checkout\/subscriptions\//);
  await page.getByRole('button', { name: 'Pay' }).click();

  await expect(page).toHaveURL(/\/premium\/credits\/success\?.*subscription=/);
  const result = page.getByTestId('subscription-result');
  await expect(result).toHaveAttribute('data-status', 'active', { timeout: 30_000 });
  await expect(page.getByTestId('subscription-period-credits')).toHaveText('300 credits');
  // 50 signup credits and the first period's 300.
  await expect(page.getByTestId('credit-balance')).toHaveText('350');

  await navLink(page, 'Buy credits').click();
  await expect(page.getByTestId('plan-subscribe')).toHaveCount(0);
  await page.getByTestId('subscription-cancel').click();
  await expect(page.getByTestId('subscription-status')).toContainText(/ends on/);
  await expect(page.getByTestId('subscription-cancel')).toHaveCount(0);
  // The credits already granted stay.
  await expect(page.getByTestId('credit-balance')).toHaveText('350');
});

test('auto-recharge: the card saved at the first checkout buys the package when the balance falls below the threshold', async ({ page, browser }) => {
  // The relay Schedule runs every minute in `npm run dev`: the recharge may take that long to start.
  test.setTimeout(180_000);
  const friend = newUserId('recharge-friend');
  const friendPage = await openAs(browser, friend);
  await friendPage.context().close();

  await signIn(page, newUserId('recharge'));
  await navLink(page, 'Profile').click();
  await expect(page.getByTestId('auto-recharge-card')).toContainText('No card is saved yet');

  // The first checkout saves the card.
  await navLink(page, 'Buy credits').click();
  await page.locator('[data-testid="package-buy"][data-package="starter"]').click();
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByTestId('purchase-result')).toHaveAttribute('data-status', 'fulfilled', { timeout: 30_000 });
  await expect(page.getByTestId('credit-balance')).toHaveText('150');

  await navLink(page, 'Profile').click();
  await expect(page.getByTestId('auto-recharge-card')).toContainText('A card is saved');
  await page.getByTestId('auto-recharge-enabled').check();
  await page.getByTestId('auto-recharge-threshold').fill('20');
  await page.getByTestId('auto-recharge-mode-package').check();
  await page.getByTestId('auto-recharge-package').selectOption('starter');
  await page.getByTestId('auto-recharge-save').click();
  await expect(page.getByTestId('auto-recharge-saved')).toHaveText('Saved.');
  await expect(page.getByTestId('auto-recharge-last-outcome')).toHaveText('No recharge yet.');

  // Spending below the threshold: 150 - 140 = 10 < 20, so one starter package (100) is bought.
  await gift(page, friend, 140);
  await expect(page.getByTestId('credit-balance')).toHaveText('110', { timeout: 150_000 });
  await navLink(page, 'Profile').click();
  await expect(page.getByTestId('auto-recharge-last-outcome')).toHaveAttribute('data-outcome', 'succeeded');
  await expect(page.getByTestId('auto-recharge-enabled')).toBeChecked();
});
