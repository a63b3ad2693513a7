import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../../tools/dev-services/free-port';
import { spawnTagged } from '../support/child-processes';

/**
 * The README's first command, as a user runs it: `npm run dev` brings the whole system up on the
 * configured ports, answers a generation end to end, and stops every piece on Ctrl-C.
 */
const ROOT = path.resolve(__dirname, '..', '..');

function waitForOutput(child: ChildProcess, output: () => string, needle: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (output().includes(needle)) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`"${needle}" did not appear (exit ${child.exitCode}):\n${output().slice(-3000)}`));
      }
    }, 200);
  });
}

it('brings the system up with one command and stops it cleanly on Ctrl-C', async () => {
  const [apiPort, temporalPort, uiPort, pgPort, metricsPort, sdkMetricsPort, paymentsPort, webPort] = await Promise.all(Array.from({ length: 8 }, () => findFreePort()));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    API_PORT: String(apiPort),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEMPORAL_UI_PORT: String(uiPort),
    DEV_POSTGRES_PORT: String(pgPort),
    WORKER_METRICS_PORT: String(metricsPort),
    WORKER_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkMetricsPort}`,
    DEV_PAYMENT_PROVIDER_PORT: String(paymentsPort),
    DEV_WEB_PORT: String(webPort),
    DEV_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'credits-dev-')),
    TEMPORAL_CLI_PATH: process.env.CREDITS_TEST_TEMPORAL_CLI,
  };
  // Its own process group, as a terminal would start it, so Ctrl-C can be sent to the group.
  const dev = spawnTagged('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForOutput(dev, () => output, 'Credits service is up.', 150_000);
    const token = /Demo token\s+(\S+)/.exec(output)![1]!;
    expect(output).toContain(`Temporal UI    http://127.0.0.1:${uiPort}`);
    expect((await fetch(`http://127.0.0.1:${uiPort}/`)).status).toBe(200);
    // The web app, and the API through its proxy: one origin for the browser.
    expect(output).toContain(`    Web app        http://127.0.0.1:${webPort}`);
    const page = await fetch(`http://127.0.0.1:${webPort}/premium/credits`, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const viaProxy = await fetch(`http://127.0.0.1:${webPort}/api/users/me/credits`, { headers: { Authorization: `Bearer ${token}` } });
    expect(((await viaProxy.json()) as { userId: string }).userId).toBe('demo-user');

    const created = await fetch(`http://127.0.0.1:${apiPort}/generations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'quiz', input: { text: 'Water boils at 100 degrees Celsius at sea level.', count: 5 } }),
    });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    let status = '';
    for (let i = 0; i < 100 && status !== 'succeeded'; i += 1) {
      const response = await fetch(`http://127.0.0.1:${apiPort}/generations/${id}`, { headers: { Authorization: `Bearer ${token}` } });
      status = ((await response.json()) as { status: string }).status;
      if (status !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe('succeeded');

    // A purchase through the fake payment provider the dev command runs: paid, webhook, credits.
    const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const purchase = await fetch(`http://127.0.0.1:${apiPort}/credits/purchases`, { method: 'POST', headers: { ...auth, 'Idempotency-Key': 'dev-purchase' }, body: JSON.stringify({ packageId: 'starter' }) });
    expect(purchase.status).toBe(201);
    const { id: purchaseId, checkoutUrl } = (await purchase.json()) as { id: string; checkoutUrl: string };
    expect(checkoutUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${paymentsPort}/checkout/`));
    const checkout = (await (await fetch(checkoutUrl)).json()) as { pay: string };
    const payUrl = /POST (\S+)/.exec(checkout.pay)![1]!;
    expect((await fetch(payUrl, { method: 'POST' })).status).toBe(200);
    let purchaseStatus = '';
    for (let i = 0; i < 100 && purchaseStatus !== 'fulfilled'; i += 1) {
      const response = await fetch(`http://127.0.0.1:${apiPort}/credits/purchases/${purchaseId}`, { headers: auth });
      purchaseStatus = ((await response.json()) as { status: string }).status;
      if (purchaseStatus !== 'fulfilled') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(purchaseStatus).toBe('fulfilled');

    // npm itself exits on the signal at once; the dev script goes on to stop each piece in order.
    process.kill(-dev.pid!, 'SIGINT');
    await waitForOutput({ exitCode: null } as ChildProcess, () => output, 'dev: stopped.', 60_000);
    expect(output).toContain('api: stopped');
    expect(output).toContain('worker: stopped');
    await expect(fetch(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${uiPort}/`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${webPort}/`)).rejects.toThrow();
  } finally {
    try {
      process.kill(-dev.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}, 240_000);
