import { Client, Connection } from '@temporalio/client';
import { parseArgs } from 'node:util';
import { readUserIdFile, registerExistingUsers } from '../domain/backfill/backfill-users';
import { startOrAttachBackfill, watchBackfill } from '../orchestration/backfill-client';
import { loadConfig } from '../platform/config';
import { createPrismaClient } from '../platform/database';
import type { BackfillProgress } from '../workflows/backfill/contract';

/**
 * `npm run backfill [-- --from users.csv]`: grants the migration credits to existing users without
 * an account, as a durable Temporal workflow, and shows its progress. With `--from`, the host app's
 * users listed in the file (one id per line, or JSON lines) are registered first, then granted.
 * Ctrl-C only stops watching: the backfill goes on, and running the command again (with the same
 * file: registering is idempotent) re-attaches to it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' } } });
  const config = loadConfig();
  if (values.from) await registerUsersFrom(values.from, config.DATABASE_URL);
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

async function registerUsersFrom(file: string, databaseUrl: string | undefined): Promise<void> {
  if (!databaseUrl) throw new Error('--from needs DATABASE_URL: the users are registered in the credits database');
  const { userIds, invalid } = await readUserIdFile(file);
  if (invalid.length > 0) {
    for (const line of invalid.slice(0, 10)) console.error(`${file}:${line.line}: not a user id: ${line.text}`);
    throw new Error(`${invalid.length} line(s) of ${file} name no valid user id; nothing was registered`);
  }
  const prisma = createPrismaClient({ databaseUrl, poolSize: 2 });
  try {
    const registered = await registerExistingUsers(prisma, userIds, {
      onProgress: (done) => process.stdout.write(`\rRegistering users from ${file}: ${done}/${userIds.length}`),
    });
    process.stdout.write('\n');
    console.log(`${userIds.length} users in ${file}, ${registered} new to the credits service.`);
  } finally {
    await prisma.$disconnect();
  }
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
