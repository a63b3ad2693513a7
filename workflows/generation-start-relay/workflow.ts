import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import type { GenerationStartRelayActivities } from '../../activities/generation-start-relay-activities';
import { SWEEP_ACTIVITY_OPTIONS } from '../policies';
import { nextKey, runPages } from '../paged-run';
import { activitiesOf } from '../task-queues';
import type { GenerationStartRelayInput, GenerationStartRelayTotals } from './contract';

const PAGES_PER_RUN = 20;

/**
 * Starts the saga of every admitted generation that has none: `POST /generations` answers 202 from
 * the admission's commit and starts the saga right after, so a crash or an outage between the two
 * must not leave an accepted request without its saga. Runs every minute from its Schedule.
 */
export async function generationStartRelayWorkflow(input: GenerationStartRelayInput): Promise<GenerationStartRelayTotals> {
  const relay = activitiesOf<GenerationStartRelayActivities>('batch', SWEEP_ACTIVITY_OPTIONS);
  const { taskQueue } = workflowInfo();
  const totals = input.totals ?? { checked: 0, started: 0 };
  return runPages({
    cursor: input.afterGenerationId ?? null,
    pagesPerRun: PAGES_PER_RUN,
    async page(afterGenerationId) {
      const admitted = await relay.admittedGenerationsPage({ afterGenerationId, pageSize: input.pageSize, graceMs: input.graceMs, lookBackMs: input.lookBackMs });
      const outcomes = await Promise.all(admitted.map((generation) => relay.ensureGenerationSagaStarted({ ...generation, taskQueue })));
      totals.checked += admitted.length;
      totals.started += outcomes.filter((outcome) => outcome === 'started').length;
      return nextKey(admitted.length, input.pageSize, admitted[admitted.length - 1]?.generationId ?? null);
    },
    finish: () => totals,
    continueAfter: (afterGenerationId) => continueAsNew<typeof generationStartRelayWorkflow>({ ...input, afterGenerationId, totals }),
  });
}
