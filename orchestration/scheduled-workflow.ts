import type { ScheduleOptionsAction } from '@temporalio/client';
import type * as workflows from '../workflows';

/** Every workflow the worker registers, by the name Temporal knows it by. */
export type WorkflowName = keyof typeof workflows;

/**
 * A Schedule's start-workflow action, typed by the workflow it starts: the name must be a
 * registered workflow and the arguments must be that workflow's input, so a renamed workflow or a
 * changed input fails to compile instead of failing at the Schedule's first run.
 */
export function scheduledWorkflow<N extends WorkflowName>(
  workflowType: N,
  options: { taskQueue: string; workflowId: string; args: Parameters<(typeof workflows)[N]> },
): ScheduleOptionsAction {
  // The checks are in the signature; the SDK's own generic cannot follow N through its conditional types.
  return { type: 'startWorkflow', workflowType, taskQueue: options.taskQueue, workflowId: options.workflowId, args: options.args as unknown[] };
}
