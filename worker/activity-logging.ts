import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';

/**
 * One log line per activity attempt, carrying the workflow id (which is also the generation's id),
 * the attempt and how it ended: the thread that ties a saga's steps together in the logs.
 */
export function activityLogging(logger: Logger): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { info } = ctx;
        const fields = { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, activityType: info.activityType, activityId: info.activityId, attempt: info.attempt };
        const started = Date.now();
        try {
          const result = await next(input);
          logger.info({ ...fields, outcome: 'completed', durationMs: Date.now() - started }, `activity ${info.activityType} completed`);
          return result;
        } catch (error) {
          const failure = error as { type?: string; message?: string; nonRetryable?: boolean };
          logger.warn({ ...fields, outcome: 'failed', durationMs: Date.now() - started, errorType: failure.type ?? (error as Error).name, error: failure.message, nonRetryable: failure.nonRetryable ?? false }, `activity ${info.activityType} failed`);
          throw error;
        }
      },
    },
  });
}
