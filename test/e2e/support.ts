import AxeBuilder from '@axe-core/playwright';
import { expect, type Browser, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';

/** A link in the main navigation (the pages have their own links with the same names). */
export function navLink(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
}

/** Every test makes its own users: no test depends on another's data. */
export function newUserId(label: string): string {
  return `e2e-${label}-${randomUUID().slice(0, 12)}`;
}

/** Signs in through the development sign-in page and waits for the header balance. */
export async function signIn(page: Page, userId: string, options: { admin?: boolean } = {}): Promise<void> {
  await page.goto('/sign-in');
  await page.getByTestId('dev-user-id').fill(userId);
  if (options.admin) await page.getByTestId('dev-as-admin').check();
  await page.getByTestId('dev-sign-in').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('credit-balance')).toHaveText(/^\d+$/);
}

/** A second, independent user in their own browser context (own sessionStorage). */
export async function openAs(browser: Browser, userId: string, options: { admin?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, userId, options);
  return page;
}

/** Marks the document so a later check can prove the page was not reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __e2eMarker?: boolean }).__e2eMarker = true;
  });
}

export async function expectSameDocument(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as unknown as { __e2eMarker?: boolean }).__e2eMarker === true)).toBe(true);
}

/** axe-core on the current page: no serious or critical WCAG 2.1 A/AA violations. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  expect(serious).toEqual([]);
}

export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}

/** Starts a generation from the Generate page and waits for it to end. */
export async function generate(page: Page, input: { type?: 'flashcards' | 'quiz'; count: number; text: string }): Promise<void> {
  await navLink(page, 'Generate').click();
  if (input.type === 'quiz') await page.getByTestId('generation-type-quiz').check();
  await page.getByTestId('generation-count').fill(String(input.count));
  await page.getByTestId('generation-text').fill(input.text);
  await page.getByTestId('generation-submit').click();
  await expect(page.getByTestId('generation-status')).toHaveAttribute('data-status', /^(succeeded|failed|cancelled)$/, { timeout: 30_000 });
}

/** Sends a gift through the Gift page (review, then confirm). */
export async function gift(page: Page, toUserId: string, amount: number): Promise<void> {
  await navLink(page, 'Gift').click();
  await page.getByTestId('gift-recipient').fill(toUserId);
  await page.getByTestId('gift-amount').fill(String(amount));
  await page.getByTestId('gift-review').click();
  await page.getByTestId('gift-submit').click();
  await expect(page.getByTestId('gift-result')).toBeVisible();
}
