import { Client, Connection } from '@temporalio/client';
import { startOrAttachBackfill, watchBackfill } from '../orchestration/backfill-client';
import { loadConfig } from '../platform/config';
import type { BackfillProgress } from '../workflows/backfill/contract';

/**
 * `npm run backfill`: grants the migration credits to existing users without an account, as a
 * durable Temporal workflow, and shows its progress. Ctrl-C only stops watching: the backfill goes
 * on, and running the command again re-attaches to it.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const { attached } = await startOrAttachBackfill(client, config);
  console.log(attached ? 'Attached to the running backfill.' : 'Started the backfill.');
  const startedWatching = Date.now();
  let scannedAtStart: number | null = null;
  const result = await watchBackfill(client, (progress) => {
    scannedAtStart ??= progress.scannedUsers;
    process.stdout.write(`\r${progressLine(progress, scannedAtStart, Date.now() - startedWatching)}`);
  });
  process.stdout.write('\n');
  console.log(`Done: ${result.scannedUsers} users scanned, ${result.grantedUsers} granted ${config.BACKFILL_GRANT_CREDITS} credits.`);
  await connection.close();
}

function progressLine(progress: BackfillProgress, scannedAtStart: number, elapsedMs: number): string {
  const total = Math.max(progress.totalUsers, 1);
  const fraction = progress.done ? 1 : Math.min(progress.scannedUsers / total, 1);
  const width = 30;
  const filled = Math.round(fraction * width);
  const rate = elapsedMs > 0 ? ((progress.scannedUsers - scannedAtStart) / elapsedMs) * 1000 : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}%  ${progress.scannedUsers}/${progress.totalUsers} scanned  ${progress.grantedUsers} granted  ${rate.toFixed(0)} users/s `;
}

main().catch((error: unknown) => {
  console.error(`backfill: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
