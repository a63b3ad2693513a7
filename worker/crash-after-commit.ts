import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import path from 'node:path';

/**
 * Fault injection for the money-safety tests and `npm run chaos`: once an activity of one of the
 * given types has returned (its transaction committed) the worker SIGKILLs itself before the result
 * reaches Temporal, the worst moment for a ledger step. Temporal retries the activity on another
 * worker, and the step's idempotency key must make the retry change nothing. A marker file, created
 * atomically before the kill, makes each crash happen once: the restarted worker carries on.
 * Config refuses this in production (WORKER_CRASH_AFTER_ACTIVITY).
 */
export function crashAfterCommit(options: { activityTypes: readonly string[]; markerDir: string; onCrash?: (activityType: string, workflowId: string | undefined) => void }): ActivityInterceptorsFactory {
  mkdirSync(options.markerDir, { recursive: true });
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const result = await next(input);
        if (options.activityTypes.includes(ctx.info.activityType) && claimCrash(path.join(options.markerDir, `crashed-after-${ctx.info.activityType}`))) {
          options.onCrash?.(ctx.info.activityType, ctx.info.workflowExecution?.workflowId);
          process.kill(process.pid, 'SIGKILL');
        }
        return result;
      },
    },
  });
}

function claimCrash(markerPath: string): boolean {
  try {
    closeSync(openSync(markerPath, 'wx'));
    return true;
  } catch {
    return false;
  }
}
