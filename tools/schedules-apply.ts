import { Client, Connection } from '@temporalio/client';
import { restoreCampaignSchedules } from '../orchestration/campaign-admin';
import { loadConfig } from '../platform/config';
import { createPrismaClient } from '../platform/database';
import { applySchedules } from '../orchestration/recurring-schedules';

// `npm run schedules:apply`: creates or updates the recurring jobs' Temporal Schedules, and gives
// any live campaign whose Schedule is missing its Schedule back.
async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const prisma = config.DATABASE_URL ? createPrismaClient({ databaseUrl: config.DATABASE_URL, poolSize: 2 }) : null;
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    for (const { scheduleId, created } of await applySchedules(client, config)) console.log(`${created ? 'created' : 'updated'} ${scheduleId}`);
    if (!prisma) {
      console.log('DATABASE_URL is not set: campaign Schedules were not checked');
      return;
    }
    for (const scheduleId of await restoreCampaignSchedules({ prisma, temporal: client, config }, new Date())) console.log(`restored ${scheduleId}`);
  } finally {
    await prisma?.$disconnect();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(`schedules: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
