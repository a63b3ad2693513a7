// Finds stripe-mock (Stripe's official API mock, which checks every request against Stripe's
// OpenAPI spec), or builds one into a cache. Plain Node with no dependencies, like temporal-cli.mjs.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const STRIPE_MOCK_VERSION = 'v0.203.0';
const STRIPE_MOCK_MODULE = `github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}`;

export class StripeMockError extends Error {}

export function stripeMockCacheDir(env = process.env) {
  const cacheRoot = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'credits-service', `stripe-mock-${STRIPE_MOCK_VERSION}`);
}

function runs(binary) {
  // stripe-mock has no --version; -h exits 0 once the binary starts at all.
  const result = spawnSync(binary, ['-h'], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0 || /Usage/.test(`${result.stdout}${result.stderr}`);
}

function onPath(name, env) {
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Resolves an absolute path to a working `stripe-mock` binary, building it if allowed. */
export async function resolveStripeMock({ build = true, log = (line) => console.error(line), env = process.env } = {}) {
  if (env.STRIPE_MOCK_PATH) {
    if (!existsSync(env.STRIPE_MOCK_PATH) || !runs(env.STRIPE_MOCK_PATH)) {
      throw new StripeMockError(`STRIPE_MOCK_PATH=${env.STRIPE_MOCK_PATH} is not a working stripe-mock binary.`);
    }
    return path.resolve(env.STRIPE_MOCK_PATH);
  }
  const fromPath = onPath('stripe-mock', env);
  if (fromPath && runs(fromPath)) return fromPath;
  const cacheDir = stripeMockCacheDir(env);
  const cached = path.join(cacheDir, 'stripe-mock');
  if (existsSync(cached) && runs(cached)) return cached;
  if (!build) throw new StripeMockError(`No stripe-mock found (looked at STRIPE_MOCK_PATH, PATH and ${cached}).`);
  return buildIntoCache(cacheDir, log, env);
}

function buildIntoCache(cacheDir, log, env) {
  const go = onPath('go', env) || (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  if (!go) {
    throw new StripeMockError(
      'stripe-mock is not installed and Go is not available to build it.\n' +
        `Install Go (https://go.dev/dl/) and run this again, or set STRIPE_MOCK_PATH to a stripe-mock ${STRIPE_MOCK_VERSION} binary.`,
    );
  }
  // A scratch directory first, moved into place only once the binary works: an interrupted build
  // never leaves a broken cache behind.
  const scratch = `${cacheDir}.building-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  log(`Building stripe-mock ${STRIPE_MOCK_VERSION} with Go (a minute or two, once; cached in ${cacheDir})...`);
  const result = spawnSync(go, ['install', STRIPE_MOCK_MODULE], { env: { ...env, GOBIN: scratch }, stdio: ['ignore', 'inherit', 'inherit'] });
  const built = path.join(scratch, 'stripe-mock');
  if (result.status !== 0 || !existsSync(built) || !runs(built)) {
    rmSync(scratch, { recursive: true, force: true });
    throw new StripeMockError(`Building stripe-mock failed (go install ${STRIPE_MOCK_MODULE}). Set STRIPE_MOCK_PATH to use a binary you have.`);
  }
  mkdirSync(cacheDir, { recursive: true });
  renameSync(built, path.join(cacheDir, 'stripe-mock'));
  rmSync(scratch, { recursive: true, force: true });
  return path.join(cacheDir, 'stripe-mock');
}
