import { proxyActivities } from '@temporalio/workflow';
import type { BareActivities } from './activities';

/**
 * The baseline of `npm run bench:sagas`: three regular activities in a row, each one trivial
 * Postgres query, with nothing else (no search attributes, no handlers). What the Temporal dev
 * server allows a workflow of that shape is what the saga is measured against.
 */
const { touchDatabase } = proxyActivities<BareActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 10 },
});

export async function bareThreeActivitiesWorkflow(): Promise<number> {
  let total = 0;
  for (let step = 0; step < 3; step += 1) total += await touchDatabase(step);
  return total;
}
