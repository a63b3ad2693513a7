// Finds stripe-mock (Stripe's official API mock, which checks every request against Stripe's
// OpenAPI spec), or builds one into a cache. Plain Node with no dependencies, like temporal-cli.mjs.
import { spawnSync } from 'node:child_process';
import { goBinaryCacheDir, resolveGoBinary } from './go-binary.mjs';

export const STRIPE_MOCK_VERSION = 'v0.203.0';

export class StripeMockError extends Error {}

const STRIPE_MOCK = {
  name: 'stripe-mock',
  title: 'stripe-mock',
  version: STRIPE_MOCK_VERSION,
  module: `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`,
  cacheName: `stripe-mock-${STRIPE_MOCK_VERSION}`,
  pathVariable: 'STRIPE_MOCK_PATH',
  buildTime: 'a minute or two',
  // stripe-mock has no --version; -h prints its usage once the binary starts at all.
  runs: (binary) => {
    const result = spawnSync(binary, ['-h'], { encoding: 'utf8', timeout: 20_000 });
    return result.status === 0 || /Usage/.test(`${result.stdout}${result.stderr}`);
  },
  Error: StripeMockError,
};

export function stripeMockCacheDir(env = process.env) {
  return goBinaryCacheDir(STRIPE_MOCK.cacheName, env);
}

/** Resolves an absolute path to a working `stripe-mock` binary, building it if allowed. */
export async function resolveStripeMock(options = {}) {
  return resolveGoBinary(STRIPE_MOCK, options);
}
