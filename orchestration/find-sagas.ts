import type { Client } from '@temporalio/client';
import type { Config } from '../platform/config';
import { GENERATION_WORKFLOW_TYPE } from '../workflows/generation/contract';
import { PURCHASE_WORKFLOW_TYPE } from '../workflows/purchase/contract';
import { CreditsCostCredits, CreditsSagaStatus, CreditsStepEnteredAt, CreditsUserId } from '../workflows/search-attributes';
import { webUiNamespaceUrl } from './web-ui';

export type SagaKind = 'generation' | 'purchase';

export interface SagaRow {
  kind: SagaKind;
  workflowId: string;
  runId: string;
  userId: string | null;
  status: string | null;
  executionStatus: string;
  costCredits: number | null;
  stepEnteredAt: string | null;
  secondsInStep: number | null;
  stuck: boolean;
  webUiUrl: string;
}

// Generation statuses, then purchase statuses (pending is both).
export const SAGA_STATUSES = ['pending', 'generating', 'succeeded', 'failed', 'cancelled', 'paid', 'fulfilled', 'expired', 'refunded'] as const;

export interface SagaFilter {
  kind?: SagaKind;
  status?: (typeof SAGA_STATUSES)[number];
  userId?: string;
  stuckOnly?: boolean;
  limit: number;
}

type SagaConfig = Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT' | 'SAGA_STUCK_RESERVING_MS' | 'SAGA_STUCK_GENERATING_MS' | 'PURCHASE_PAYMENT_TIMEOUT_MS'>;

const WORKFLOW_TYPES: Record<SagaKind, string> = { generation: GENERATION_WORKFLOW_TYPE, purchase: PURCHASE_WORKFLOW_TYPE };

/**
 * Lists the sagas (generations and purchases) through Temporal's visibility store, by the search
 * attributes every saga keeps current. A generation is stuck when it is running and has been in one
 * step longer than that step's threshold; a purchase when it is still running past its payment
 * timeout plus the reserving threshold (by then it should have been paid, cancelled or refunded).
 * The same query, printed by `visibilityQuery`, can be pasted into the Web UI.
 */
export async function findSagas(client: Client, config: SagaConfig, filter: SagaFilter, now = new Date()): Promise<SagaRow[]> {
  const rows: SagaRow[] = [];
  for await (const execution of client.workflow.list({ query: visibilityQuery(config, filter, now), pageSize: Math.min(filter.limit, 1000) })) {
    const status = execution.typedSearchAttributes.get(CreditsSagaStatus) ?? null;
    const enteredAt = execution.typedSearchAttributes.get(CreditsStepEnteredAt) ?? null;
    const running = execution.status.name === 'RUNNING';
    const kind: SagaKind = execution.type === PURCHASE_WORKFLOW_TYPE ? 'purchase' : 'generation';
    rows.push({
      kind,
      workflowId: execution.workflowId,
      runId: execution.runId,
      userId: execution.typedSearchAttributes.get(CreditsUserId) ?? null,
      status,
      executionStatus: execution.status.name,
      costCredits: execution.typedSearchAttributes.get(CreditsCostCredits) ?? null,
      stepEnteredAt: enteredAt?.toISOString() ?? null,
      secondsInStep: enteredAt && running ? Math.round((now.getTime() - enteredAt.getTime()) / 1000) : null,
      stuck: running && (kind === 'purchase' ? isPurchaseStuck(config, execution.startTime, now) : enteredAt !== null && isStuck(config, status, enteredAt, now)),
      webUiUrl: `${webUiNamespaceUrl(config)}/workflows/${encodeURIComponent(execution.workflowId)}/${execution.runId}/history`,
    });
    if (rows.length >= filter.limit) break;
  }
  return rows;
}

export function visibilityQuery(config: SagaConfig, filter: SagaFilter, now = new Date()): string {
  const kinds: SagaKind[] = filter.kind ? [filter.kind] : ['generation', 'purchase'];
  const clauses = [`WorkflowType IN (${kinds.map((kind) => `'${WORKFLOW_TYPES[kind]}'`).join(', ')})`];
  if (filter.status) clauses.push(`${CreditsSagaStatus.name} = '${filter.status}'`);
  if (filter.userId) clauses.push(`${CreditsUserId.name} = '${filter.userId.replace(/'/g, '')}'`);
  if (filter.stuckOnly) {
    const reservingSince = new Date(now.getTime() - config.SAGA_STUCK_RESERVING_MS).toISOString();
    const generatingSince = new Date(now.getTime() - config.SAGA_STUCK_GENERATING_MS).toISOString();
    clauses.push(`ExecutionStatus = 'Running'`);
    const purchaseStartedBefore = new Date(now.getTime() - config.PURCHASE_PAYMENT_TIMEOUT_MS - config.SAGA_STUCK_RESERVING_MS).toISOString();
    clauses.push(
      `((WorkflowType = '${GENERATION_WORKFLOW_TYPE}' AND ${CreditsSagaStatus.name} = 'pending' AND ${CreditsStepEnteredAt.name} < '${reservingSince}') OR ` +
        `(WorkflowType = '${GENERATION_WORKFLOW_TYPE}' AND ${CreditsSagaStatus.name} = 'generating' AND ${CreditsStepEnteredAt.name} < '${generatingSince}') OR ` +
        `(WorkflowType = '${PURCHASE_WORKFLOW_TYPE}' AND StartTime < '${purchaseStartedBefore}'))`,
    );
  }
  // No ORDER BY: SQL-backed visibility (the dev server, Postgres) refuses it; it lists newest first.
  return clauses.join(' AND ');
}

function isPurchaseStuck(config: SagaConfig, startedAt: Date, now: Date): boolean {
  return now.getTime() - startedAt.getTime() > config.PURCHASE_PAYMENT_TIMEOUT_MS + config.SAGA_STUCK_RESERVING_MS;
}

function isStuck(config: SagaConfig, status: string | null, enteredAt: Date, now: Date): boolean {
  const threshold = status === 'pending' ? config.SAGA_STUCK_RESERVING_MS : config.SAGA_STUCK_GENERATING_MS;
  return now.getTime() - enteredAt.getTime() > threshold;
}
