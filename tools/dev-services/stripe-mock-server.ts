import { spawn } from 'node:child_process';

export interface StripeMockServer {
  // http://127.0.0.1:<port>: the Stripe SDK's host, port and protocol in one.
  url: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/**
 * Starts stripe-mock on a given port (plain HTTP; its HTTPS listener on a port the system picks, so two never collide) and resolves once it answers an API request, so
 * callers never race a half-started mock. stripe-mock is stateless: it checks each request against
 * Stripe's OpenAPI spec and answers with fixtures.
 */
export async function startStripeMock(options: { binaryPath: string; port: number; ip?: string }): Promise<StripeMockServer> {
  const ip = options.ip ?? '127.0.0.1';
  const child = spawn(options.binaryPath, ['-http-addr', `${ip}:${options.port}`, '-https-addr', `${ip}:`], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let recentOutput = '';
  const capture = (chunk: Buffer) => (recentOutput = (recentOutput + chunk.toString()).slice(-4000));
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const url = `http://${ip}:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`stripe-mock exited with code ${exitCode}:\n${recentOutput}`);
    if (await answers(url)) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`stripe-mock did not become ready on ${url} within ${READY_TIMEOUT_MS / 1000}s:\n${recentOutput}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/balance`, { headers: { Authorization: 'Bearer sk_test_ready' }, signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
