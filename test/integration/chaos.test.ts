import path from 'node:path';
import { spawnTagged, TSX_NODE_ARGS } from '../support/child-processes';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The short version of `npm run chaos`: the same tool against its own real stack (Postgres,
 * Temporal on a file, worker and API processes), with small numbers but every kind of fault.
 */
describe('npm run chaos (short)', () => {
  it('ends every saga with the balances computed from the requests, nothing held, the ledger verified, after every kind of fault', async () => {
    const args = ['--sagas', '24', '--transfers', '6', '--purchases', '4', '--users', '4', '--worker-kills', '1', '--temporal-restarts', '1', '--postgres-restarts', '1', '--api-kills', '1', '--seed', '7'];
    const child = spawnTagged(process.execPath, [...TSX_NODE_ARGS, 'tools/chaos.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_CLI_PATH: process.env.CREDITS_TEST_TEMPORAL_CLI },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) console.error(output);
    expect(code).toBe(0);
    expect(output).toContain('chaos: discrepancies: 0');
    expect(output).toMatch(/worker SIGKILLs\s+1/);
    expect(output).toMatch(/worker crashes right after a commit\s+2/);
    expect(output).toMatch(/Temporal server kills \+ restarts\s+1/);
    expect(output).toMatch(/Postgres restarts\s+1/);
    expect(output).toMatch(/API SIGKILLs\s+1/);
  }, 240_000);
});
