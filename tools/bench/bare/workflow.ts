import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BareActivities } from './activities';

/**
 * The baselines of `npm run bench:sagas`, each with nothing else (no search attributes, no
 * handlers), on the bare worker's task queue, started straight on the dev server (no API):
 *   - three regular activities in a row, each one trivial Postgres query: what the saga is measured against;
 *   - the saga's own shape with the same trivial query: local, regular, local. What the dev server
 *     allows that shape, with no ledger, no API and no search attributes, is the ceiling a saga
 *     through the API could reach on the same machine.
 */
const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 10 },
} as const;
const { touchDatabase } = proxyActivities<BareActivities>(ACTIVITY_OPTIONS);
const { touchDatabase: touchDatabaseLocally } = proxyLocalActivities<BareActivities>(ACTIVITY_OPTIONS);

export async function bareThreeActivitiesWorkflow(): Promise<number> {
  let total = 0;
  for (let step = 0; step < 3; step += 1) total += await touchDatabase(step);
  return total;
}

export async function bareLocalRegularLocalWorkflow(): Promise<number> {
  return (await touchDatabaseLocally(0)) + (await touchDatabase(1)) + (await touchDatabaseLocally(2));
}
