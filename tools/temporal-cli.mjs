// Finds a `temporal` CLI (dev server + Web UI in one binary), or builds one into a cache.
// Plain Node with no dependencies, so it works before `npm ci` has finished.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
// Later tags carry a `replace` directive in go.mod, which `go install pkg@version` refuses.
const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export class TemporalCliError extends Error {}

export function temporalCliCacheDir(env = process.env) {
  const cacheRoot = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'credits-service', `temporal-${TEMPORAL_CLI_VERSION}`);
}

function runs(binary) {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return result.status === 0;
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

/** Resolves an absolute path to a working `temporal` binary, building it if allowed. */
export async function resolveTemporalCli({ build = true, log = (line) => console.error(line), env = process.env } = {}) {
  if (env.TEMPORAL_CLI_PATH) {
    if (!existsSync(env.TEMPORAL_CLI_PATH) || !runs(env.TEMPORAL_CLI_PATH)) {
      throw new TemporalCliError(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not a working temporal binary.`);
    }
    return path.resolve(env.TEMPORAL_CLI_PATH);
  }
  const fromPath = onPath('temporal', env);
  if (fromPath && runs(fromPath)) return fromPath;
  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, 'temporal');
  if (existsSync(cached) && runs(cached)) return cached;
  if (!build) throw new TemporalCliError(`No temporal CLI found (looked at TEMPORAL_CLI_PATH, PATH and ${cached}).`);
  return buildIntoCache(cacheDir, log, env);
}

function buildIntoCache(cacheDir, log, env) {
  const go = onPath('go', env) || (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  if (!go) {
    throw new TemporalCliError(
      'The Temporal CLI is not installed and Go is not available to build it.\n' +
        `Install Go (https://go.dev/dl/) and run this again, or set TEMPORAL_CLI_PATH to a temporal ${TEMPORAL_CLI_VERSION} binary.`,
    );
  }
  // Build into a scratch directory and move the binary into place only once it works, so an
  // interrupted build never leaves a broken cache behind.
  const scratch = `${cacheDir}.building-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (a few minutes, once; cached in ${cacheDir})...`);
  const result = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    env: { ...env, GOBIN: scratch },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const built = path.join(scratch, 'temporal');
  if (result.status !== 0 || !existsSync(built) || !runs(built)) {
    rmSync(scratch, { recursive: true, force: true });
    throw new TemporalCliError(`Building the Temporal CLI failed (go install ${TEMPORAL_CLI_MODULE}). Set TEMPORAL_CLI_PATH to use a binary you have.`);
  }
  mkdirSync(cacheDir, { recursive: true });
  renameSync(built, path.join(cacheDir, 'temporal'));
  rmSync(scratch, { recursive: true, force: true });
  return path.join(cacheDir, 'temporal');
}
