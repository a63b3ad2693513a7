import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { log } from '@temporalio/activity';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import { findAdmittedGenerations, type AdmittedGeneration } from '../domain/generations/admitted-generations';
import { GENERATION_WORKFLOW_TYPE, generationSagaInput, generationSagaStart } from '../workflows/generation/contract';
import type { GenerationStartRelayPage } from '../workflows/generation-start-relay/contract';
import { sagaStartOptions } from '../workflows/saga-start';

export interface GenerationStartRelayDependencies {
  prisma: PrismaClient;
  temporal: Client;
  clock: Clock;
}

/**
 * The start relay's side: find admitted requests whose saga may never have been started, and start
 * each one that Temporal does not know. The API answers 202 once the admission has committed and
 * starts the saga just after; these activities are what makes that answer a promise whatever
 * crashes between the two.
 */
export function createGenerationStartRelayActivities(deps: GenerationStartRelayDependencies) {
  return {
    async admittedGenerationsPage(page: GenerationStartRelayPage): Promise<AdmittedGeneration[]> {
      const now = deps.clock.now().getTime();
      return findAdmittedGenerations(deps.prisma, {
        createdAfter: new Date(now - page.lookBackMs),
        createdBefore: new Date(now - page.graceMs),
        afterId: page.afterGenerationId,
        pageSize: page.pageSize,
      });
    },

    /**
     * 'exists' when Temporal has the saga (running, or closed: its row then says how it ended, or
     * an operator is looking at it); otherwise starts it. The workflow id is the generation's, so a
     * start racing the API's own start, or a second relay run, finds the one saga.
     */
    async ensureGenerationSagaStarted(input: AdmittedGeneration & { taskQueue: string }): Promise<'exists' | 'started'> {
      try {
        await deps.temporal.workflow.getHandle(input.workflowId).describe();
        return 'exists';
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      const sagaInput = generationSagaInput({
        generationId: input.generationId,
        userId: input.userId,
        request: { type: input.type, count: input.requestedCount, text: input.inputText },
        estimatedCostCredits: input.estimatedCostCredits,
      });
      try {
        // Under the generation's workflow id (the row's workflow_id, which admission made from it).
        await deps.temporal.workflow.start(GENERATION_WORKFLOW_TYPE, sagaStartOptions(generationSagaStart(sagaInput, input.taskQueue, deps.clock.now())));
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
        throw error;
      }
      log.warn('Started the saga of an admitted generation whose start was lost', { generationId: input.generationId, workflowId: input.workflowId });
      return 'started';
    },
  };
}

export type GenerationStartRelayActivities = ReturnType<typeof createGenerationStartRelayActivities>;
