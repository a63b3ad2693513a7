import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { findFreePort } from '../dev-services/free-port';
import { writeBenchmarkSection } from './bench-support';

/**
 * `npm run bench:web`: the built web app's gzipped JavaScript, and the time from navigation to a
 * visible balance on a first load (a fresh browser context each time, no cache), with the API
 * serving the built app as in production. Baseline in the same run: the one API call the balance
 * needs (GET /users/me/credits), timed alone from the same machine.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const RUNS = 15;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function bundleSizes(): { file: string; raw: number; gzip: number }[] {
  const assets = path.join(ROOT, 'web', 'dist', 'assets');
  return readdirSync(assets)
    .filter((file) => file.endsWith('.js'))
    .map((file) => {
      const content = readFileSync(path.join(assets, file));
      return { file, raw: content.length, gzip: gzipSync(content, { level: 9 }).length };
    })
    .sort((a, b) => b.gzip - a.gzip);
}

async function main(): Promise<void> {
  await run('npm', ['run', 'web:build']);
  const sizes = bundleSizes();
  const entry = sizes.find((size) => /^index-/.test(size.file));
  const [apiPort, temporalPort, uiPort, pgPort, paymentsPort, webPort] = await Promise.all(Array.from({ length: 6 }, () => findFreePort()));
  const api = `http://127.0.0.1:${apiPort}`;
  const dev = spawn('npm', ['run', 'dev'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      API_PORT: String(apiPort),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_UI_PORT: String(uiPort),
      DEV_POSTGRES_PORT: String(pgPort),
      DEV_PAYMENT_PROVIDER_PORT: String(paymentsPort),
      DEV_WEB_PORT: String(webPort),
      WORKER_METRICS_PORT: '0',
      WORKER_SDK_METRICS_ADDRESS: '',
      DEV_DATA_DIR: path.join(os.tmpdir(), `credits-web-bench-${process.pid}`),
      LOG_LEVEL: 'warn',
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      dev.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Credits service is up.')) resolve();
      });
      dev.once('exit', (code) => reject(new Error(`npm run dev exited (${code})`)));
    });
    const browser = await chromium.launch({ executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium' });
    const pageMs: number[] = [];
    const apiMs: number[] = [];
    for (let i = 0; i < RUNS + 2; i += 1) {
      const session = (await (await fetch(`${api}/auth/dev-session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: `bench-web-${i}` }) })).json()) as { token: string };
      // The account opens on the first request: open it first, so both timings read an existing one.
      const apiStarted = performance.now();
      await (await fetch(`${api}/users/me/credits`, { headers: { Authorization: `Bearer ${session.token}` } })).json();
      const apiTook = performance.now() - apiStarted;
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${api}/#token=${session.token}`);
      await page.getByTestId('credit-balance').filter({ hasText: /^\d+$/ }).waitFor();
      const took = performance.now() - started;
      await context.close();
      // The first two are warm-up (the API's and the browser's own first-use costs).
      if (i >= 2) {
        pageMs.push(took);
        apiMs.push(apiTook);
      }
    }
    await browser.close();
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    const rows = sizes.map((size) => `| \`${size.file}\` | ${kb(size.raw)} | ${kb(size.gzip)} |`).join('\n');
    writeBenchmarkSection(
      '## The web app',
      `## The web app: bundle size and time to a visible balance

\`npm run bench:web\`, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Debian Chromium headless, the API serving the built app
(\`npm run web:build\`) from \`npm run dev\`'s stack on this machine; ${RUNS} first loads, each in a fresh browser context (empty cache), after 2 warm-up loads.

Gzipped JavaScript: the entry chunk ${entry ? `${kb(entry.gzip)} KiB` : 'n/a'}, all chunks ${kb(sizes.reduce((sum, size) => sum + size.gzip, 0))} KiB
(Analytics and Admin load on demand; recharts is in the analytics chunk).

| chunk | KiB | KiB gzipped |
| --- | --- | --- |
${rows}

| what | p50 ms | p95 ms | max ms |
| --- | --- | --- | --- |
| navigation to the balance visible in the header (first load) | ${percentile(pageMs, 50).toFixed(0)} | ${percentile(pageMs, 95).toFixed(0)} | ${Math.max(...pageMs).toFixed(0)} |
| baseline: GET /users/me/credits alone | ${percentile(apiMs, 50).toFixed(1)} | ${percentile(apiMs, 95).toFixed(1)} | ${Math.max(...apiMs).toFixed(1)} |
`,
    );
  } finally {
    process.kill(-dev.pid!, 'SIGINT');
    await new Promise((resolve) => dev.once('exit', resolve));
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}`))));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
