import { defineConfig, devices } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

/**
 * End-to-end tests of the web app in a real browser (Debian's Chromium) against the real stack,
 * brought up by the README's own `npm run dev` (embedded Postgres, Temporal dev server, worker,
 * API, fake payment provider, and the web app on Vite proxying /api): the same command a user runs.
 * Its ports are the E2E_* ones below (not the dev defaults, so a developer's own `npm run dev` can
 * keep running); SIGINT at the end lets it stop every piece in order.
 *
 * `npm run test:e2e` (part of `npm test`). E2E_BASE_URL points the tests at a stack already running.
 */
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const webPort = port('E2E_WEB_PORT', 5183);
const external = process.env.E2E_BASE_URL;

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
    baseURL: external ?? `http://127.0.0.1:${webPort}`,
    // Playwright's own browser download cannot work here: use the system's Chromium.
    launchOptions: { executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium' },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'setup', testMatch: /.*\.setup\.ts/ },
    { name: 'chromium', testMatch: /.*\.spec\.ts/, dependencies: ['setup'] },
  ],
  webServer: external
    ? undefined
    : {
        command: 'npm run dev',
        // The dev command prints its banner once the API and the web app both answer.
        wait: { stdout: /Credits service is up\./ },
        timeout: 240_000,
        reuseExistingServer: false,
        stdout: 'pipe',
        stderr: 'pipe',
        gracefulShutdown: { signal: 'SIGINT', timeout: 60_000 },
        env: {
          API_PORT: String(port('E2E_API_PORT', 3110)),
          DEV_WEB_PORT: String(webPort),
          TEMPORAL_ADDRESS: `127.0.0.1:${port('E2E_TEMPORAL_PORT', 7343)}`,
          TEMPORAL_UI_PORT: String(port('E2E_TEMPORAL_UI_PORT', 8343)),
          DEV_POSTGRES_PORT: String(port('E2E_POSTGRES_PORT', 5443)),
          DEV_PAYMENT_PROVIDER_PORT: String(port('E2E_PAYMENTS_PORT', 4252)),
          WORKER_METRICS_PORT: '0',
          WORKER_SDK_METRICS_ADDRESS: '',
          // A fresh database and Temporal history every run.
          DEV_DATA_DIR: path.join(os.tmpdir(), `credits-e2e-${process.pid}`),
          LOG_LEVEL: 'warn',
        },
      },
});
