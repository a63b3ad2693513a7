// Finds a Go-built tool (the Temporal CLI, stripe-mock), or builds one with `go install` into a
// per-version cache. Plain Node with no dependencies, so it works before `npm ci` has finished.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `~/.cache/credits-service/<cacheName>` (or under XDG_CACHE_HOME). */
export function goBinaryCacheDir(cacheName, env = process.env) {
  const cacheRoot = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'credits-service', cacheName);
}

export function onPath(name, env) {
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

/**
 * Resolves an absolute path to a working binary: the path in `tool.pathVariable`, one named
 * `tool.name` on PATH, the cache, and otherwise (when `build`) `go install tool.module` into the
 * cache. `tool.runs(binary)` says whether a candidate works; failures throw `tool.Error`.
 */
export function resolveGoBinary(tool, { build = true, log = (line) => console.error(line), env = process.env } = {}) {
  const configured = env[tool.pathVariable];
  if (configured) {
    if (!existsSync(configured) || !tool.runs(configured)) throw new tool.Error(`${tool.pathVariable}=${configured} is not a working ${tool.name} binary.`);
    return path.resolve(configured);
  }
  const fromPath = onPath(tool.name, env);
  if (fromPath && tool.runs(fromPath)) return fromPath;
  const cacheDir = goBinaryCacheDir(tool.cacheName, env);
  const cached = path.join(cacheDir, tool.name);
  if (existsSync(cached) && tool.runs(cached)) return cached;
  if (!build) throw new tool.Error(`No ${tool.name} found (looked at ${tool.pathVariable}, PATH and ${cached}).`);
  return buildIntoCache(tool, cacheDir, log, env);
}

function buildIntoCache(tool, cacheDir, log, env) {
  const go = onPath('go', env) || (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  if (!go) {
    throw new tool.Error(
      `${tool.title} is not installed and Go is not available to build it.\n` +
        `Install Go (https://go.dev/dl/) and run this again, or set ${tool.pathVariable} to a ${tool.name} ${tool.version} binary.`,
    );
  }
  // Build into a scratch directory and move the binary into place only once it works, so an
  // interrupted build never leaves a broken cache behind.
  const scratch = `${cacheDir}.building-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  log(`Building ${tool.title} ${tool.version} with Go (${tool.buildTime}, once; cached in ${cacheDir})...`);
  const result = spawnSync(go, ['install', tool.module], { env: { ...env, GOBIN: scratch }, stdio: ['ignore', 'inherit', 'inherit'] });
  const built = path.join(scratch, tool.name);
  if (result.status !== 0 || !existsSync(built) || !tool.runs(built)) {
    rmSync(scratch, { recursive: true, force: true });
    throw new tool.Error(`Building ${tool.title} failed (go install ${tool.module}). Set ${tool.pathVariable} to use a binary you have.`);
  }
  mkdirSync(cacheDir, { recursive: true });
  renameSync(built, path.join(cacheDir, tool.name));
  rmSync(scratch, { recursive: true, force: true });
  return path.join(cacheDir, tool.name);
}
