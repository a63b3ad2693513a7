import { expect, test } from '@playwright/test';
import { expectSameDocument, gift, markDocument, navLink, newUserId, openAs, signIn } from './support';

const NOTES = 'Photosynthesis turns light into chemical energy. Chlorophyll absorbs mostly blue and red light. Oxygen is released as a by-product.';

test('a new user sees their 50 sign-up credits in the header', async ({ page }) => {
  await signIn(page, newUserId('new'));
  await expect(page.getByTestId('credit-balance')).toHaveText('50');
  await expect(page.getByTestId('credit-held')).toHaveCount(0);
  await expect(page.getByTestId('low-credit-banner')).toHaveCount(0);
});

test('generating 10 flashcards shows the cost of 2 before submitting and 48 in the header after, without a reload', async ({ page }) => {
  await signIn(page, newUserId('gen'));
  await markDocument(page);
  await navLink(page, 'Generate').click();
  await page.getByTestId('generation-type-flashcards').check();
  await page.getByTestId('generation-count').fill('10');
  await page.getByTestId('generation-text').fill(NOTES);
  await expect(page.getByTestId('generation-cost')).toHaveAttribute('data-cost', '2');
  await expect(page.getByTestId('generation-cost')).toContainText('2 credits');
  await expect(page.getByTestId('generation-submit')).toBeEnabled();

  await page.getByTestId('generation-submit').click();
  await expect(page.getByTestId('generation-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await expect(page.getByTestId('flashcard')).toHaveCount(10);
  await expect(page.getByTestId('credit-balance')).toHaveText('48');
  await expect(page.getByTestId('credit-held')).toHaveCount(0);
  await expectSameDocument(page);

  await navLink(page, 'History').click();
  await expect(page.getByTestId('history-row').filter({ hasText: 'Spent' }).first()).toContainText('−2');
});

test('a generation that fails shows the reason and the refund, and the header is unchanged', async ({ page }) => {
  await signIn(page, newUserId('fail'));
  await markDocument(page);
  await navLink(page, 'Generate').click();
  await page.getByTestId('generation-count').fill('10');
  await page.getByTestId('generation-text').fill(`${NOTES} [fail]`);
  await expect(page.getByTestId('generation-cost')).toHaveAttribute('data-cost', '2');
  await page.getByTestId('generation-submit').click();

  await expect(page.getByTestId('generation-status')).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(page.getByTestId('generation-outcome')).toContainText('failed');
  await expect(page.getByTestId('generation-refund')).toHaveText('Your 2 credits were refunded.');
  await expect(page.getByTestId('credit-balance')).toHaveText('50');
  await expect(page.getByTestId('credit-held')).toHaveCount(0);
  await expectSameDocument(page);
});

test('a generation the user cannot afford cannot be submitted and points to buying credits', async ({ page, browser }) => {
  const friend = newUserId('friend');
  await (await openAs(browser, friend)).context().close();
  await signIn(page, newUserId('poor'));
  await gift(page, friend, 45);
  await expect(page.getByTestId('credit-balance')).toHaveText('5');

  await navLink(page, 'Generate').click();
  await page.getByTestId('generation-type-quiz').check();
  await page.getByTestId('generation-count').fill('50');
  // 50 questions at 2 credits per 5 questions cost 20, with 5 available.
  await expect(page.getByTestId('generation-cost')).toHaveAttribute('data-cost', '20');
  await expect(page.getByTestId('generation-unaffordable')).toContainText('You need 20 credits');
  await expect(page.getByTestId('generation-submit')).toBeDisabled();
  await page.getByTestId('generation-unaffordable').getByRole('link', { name: 'Buy credits' }).click();
  await expect(page).toHaveURL(/\/premium\/credits$/);
});
