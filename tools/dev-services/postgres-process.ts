import { startEmbeddedPostgres } from './embedded-postgres';

/**
 * `node --import tsx tools/dev-services/postgres-process.ts <dataDir> <port>`: an embedded Postgres
 * as a process of its own, for callers that cannot load the embedded-postgres ES module themselves
 * (a Jest test file: its sandbox refuses both dynamic import and require of ES modules). Prints one
 * JSON line `{"ready":true,"dataDir":...}` once Postgres accepts connections; SIGTERM or SIGINT
 * stops Postgres and then the process. The data directory persists, so a second process on it is a
 * restart.
 */
async function main(): Promise<void> {
  const [dataDir, portText] = process.argv.slice(2);
  const port = Number(portText);
  if (!dataDir || !Number.isInteger(port) || port <= 0) throw new Error('usage: postgres-process.ts <dataDir> <port>');
  const postgres = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void postgres.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ ready: true, dataDir: postgres.dataDir, adminUrl: postgres.adminUrl })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
