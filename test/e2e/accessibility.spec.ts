import { expect, test } from '@playwright/test';
import { expectAccessible, newUserId, saveScreenshot, signIn } from './support';

const USER_PAGES: { name: string; path: string; ready: string }[] = [
  { name: 'home', path: '/', ready: 'home-available' },
  { name: 'generate', path: '/generate', ready: 'generation-cost' },
  { name: 'history', path: '/credits/history', ready: 'history-row' },
  { name: 'profile', path: '/profile', ready: 'referral-code' },
  { name: 'buy-credits', path: '/premium/credits', ready: 'package-buy' },
  { name: 'gift', path: '/credits/gift', ready: 'gift-recipient' },
  { name: 'analytics', path: '/credits/analytics', ready: 'analytics-refund-rate' },
  { name: 'admin-refused', path: '/admin', ready: 'admin-forbidden' },
];

test('the sign-in page has no serious accessibility violations', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByTestId('dev-sign-in')).toBeVisible();
  await expectAccessible(page);
  await saveScreenshot(page, 'sign-in');
});

test('every user page has no serious accessibility violations', async ({ page }) => {
  await signIn(page, newUserId('a11y'));
  for (const { name, path, ready } of USER_PAGES) {
    await test.step(name, async () => {
      await page.goto(path);
      await expect(page.getByTestId(ready).first()).toBeVisible();
      await expectAccessible(page);
      await saveScreenshot(page, name);
    });
  }
});

test('the notification panel, the purchase result pages and the admin page have no serious violations', async ({ page }) => {
  await signIn(page, newUserId('a11y-admin'), { admin: true });
  await page.getByTestId('notification-bell').click();
  await expect(page.getByRole('region', { name: 'Notifications' })).toBeVisible();
  await expectAccessible(page);
  await saveScreenshot(page, 'notifications');
  await page.keyboard.press('Escape');

  await page.goto('/admin');
  await expect(page.getByTestId('admin-user-id')).toBeVisible();
  await expectAccessible(page);
  await saveScreenshot(page, 'admin');

  for (const outcome of ['success', 'failure'] as const) {
    await page.goto(`/premium/credits/${outcome}?purchase=00000000-0000-4000-8000-000000000000`);
    await expect(page.getByTestId('purchase-result')).toBeVisible();
    await expectAccessible(page);
    await saveScreenshot(page, `purchase-${outcome}`);
  }
});
