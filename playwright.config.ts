import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests of the web app against a running stack (API + worker + Postgres + the fake
 * payment provider, and the web app served at E2E_BASE_URL, e.g. `npm run web:dev`).
 * Run with `npx playwright test`; not part of `npm test`.
 */
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/artifacts',
  workers: 1,
  fullyParallel: false,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  use: {
    ...devices['Desktop Chrome'],
    baseURL: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:5173',
    // Playwright's own browser download cannot work here: use the system's Chromium.
    launchOptions: { executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium' },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
