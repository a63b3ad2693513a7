// Finds a `temporal` CLI (dev server + Web UI in one binary), or builds one into a cache.
// Plain Node with no dependencies, so it works before `npm ci` has finished.
import { spawnSync } from 'node:child_process';
import { goBinaryCacheDir, resolveGoBinary } from './go-binary.mjs';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export class TemporalCliError extends Error {}

const TEMPORAL_CLI = {
  name: 'temporal',
  title: 'the Temporal CLI',
  version: TEMPORAL_CLI_VERSION,
  // Later tags carry a `replace` directive in go.mod, which `go install pkg@version` refuses.
  module: `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`,
  cacheName: `temporal-${TEMPORAL_CLI_VERSION}`,
  pathVariable: 'TEMPORAL_CLI_PATH',
  buildTime: 'a few minutes',
  runs: (binary) => spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 20_000 }).status === 0,
  Error: TemporalCliError,
};

export function temporalCliCacheDir(env = process.env) {
  return goBinaryCacheDir(TEMPORAL_CLI.cacheName, env);
}

/** Resolves an absolute path to a working `temporal` binary, building it if allowed. */
export async function resolveTemporalCli(options = {}) {
  return resolveGoBinary(TEMPORAL_CLI, options);
}
