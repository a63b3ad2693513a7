import type { SearchAttributePair } from '@temporalio/common';
import { CreditsSagaStatus, CreditsUserId } from './search-attributes';

/** What every saga carries from its start, so it is findable before its first step. */
export function sagaSearchAttributes(userId: string): SearchAttributePair[] {
  return [
    { key: CreditsUserId, value: userId },
    { key: CreditsSagaStatus, value: 'pending' },
  ];
}

/**
 * How a saga is started, wherever it is started from (the API, the generation start relay): under
 * its own id, finding the one already running under it (USE_EXISTING), and never a second run once
 * one has closed (REJECT_DUPLICATE), so a double submit or a start racing another can never start
 * a saga that would charge again. `searchAttributes` are a kind of saga's own, beside the common
 * ones. Plain strings, which the client's options accept, so this module
 * needs nothing from the client.
 */
export function sagaStartOptions<Args extends unknown[]>(start: { workflowId: string; taskQueue: string; args: Args; userId: string; searchAttributes?: SearchAttributePair[] }) {
  return {
    workflowId: start.workflowId,
    taskQueue: start.taskQueue,
    args: start.args,
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [...sagaSearchAttributes(start.userId), ...(start.searchAttributes ?? [])],
  };
}
