import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config/env';
import { applySchedules } from '../worker/schedules';

// `npm run schedules:apply`: creates or updates the recurring jobs' Temporal Schedules.
async function main(): Promise<void> {
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    for (const { scheduleId, created } of await applySchedules(client, config)) console.log(`${created ? 'created' : 'updated'} ${scheduleId}`);
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(`schedules: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
