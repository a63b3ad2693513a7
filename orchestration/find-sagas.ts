import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Config } from '../platform/config';
import { GENERATION_WORKFLOW_TYPE } from '../workflows/generation/contract';
import { PURCHASE_WORKFLOW_TYPE } from '../workflows/purchase/contract';
import { CreditsCostCredits, CreditsSagaStatus, CreditsSagaStep, CreditsStepEnteredAt, CreditsUserId } from '../workflows/search-attributes';
import { webUiNamespaceUrl } from './web-ui';

export type SagaKind = 'generation' | 'purchase';

export interface SagaRow {
  kind: SagaKind;
  workflowId: string;
  runId: string;
  userId: string | null;
  status: string | null;
  // The real step (reserving, generating, capturing, releasing, done) where the saga records it.
  step: string | null;
  executionStatus: string;
  costCredits: number | null;
  stepEnteredAt: string | null;
  secondsInStep: number | null;
  stuck: boolean;
  // Why it is stuck: over its step's time threshold, or its current activity keeps failing.
  stuckReason: 'step_too_long' | 'activity_failing' | null;
  // The running saga's current activity, when Temporal reports one pending (from describe()).
  pendingActivity: PendingActivityRow | null;
  webUiUrl: string;
}

export interface PendingActivityRow {
  activityType: string;
  // The attempt running now or scheduled next; above 1, every earlier attempt failed.
  attempt: number;
  lastFailure: string | null;
  lastFailureType: string | null;
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

type SagaConfig = Pick<
  Config,
  'TEMPORAL_NAMESPACE' | 'TEMPORAL_UI_URL' | 'TEMPORAL_UI_PORT' | 'SAGA_STUCK_RESERVING_MS' | 'SAGA_STUCK_GENERATING_MS' | 'PURCHASE_PAYMENT_TIMEOUT_MS' | 'SAGA_STUCK_ATTEMPTS'
>;

// Running sagas described at once; describe() is one cheap call each, but not free.
const DESCRIBE_CONCURRENCY = 10;
// A stuck-only listing scans at most this many running sagas for failing activities.
const MAX_RUNNING_SCANNED = 2_000;

const WORKFLOW_TYPES: Record<SagaKind, string> = { generation: GENERATION_WORKFLOW_TYPE, purchase: PURCHASE_WORKFLOW_TYPE };

/**
 * Lists the sagas (generations and purchases) through Temporal's visibility store, by the search
 * attributes every saga keeps current. A generation is stuck when it is running and has been in one
 * step longer than that step's threshold; a purchase when it is still running past its payment
 * timeout plus the reserving threshold (by then it should have been paid, cancelled or refunded).
 * The same query, printed by `visibilityQuery`, can be pasted into the Web UI.
 */
export async function findSagas(client: Client, config: SagaConfig, filter: SagaFilter, now = new Date()): Promise<SagaRow[]> {
  // Stuck by a failing activity is not in the visibility store: a stuck-only listing looks at every
  // running saga (bounded) and keeps those stuck either way.
  const query = filter.stuckOnly ? visibilityQuery(config, { ...filter, stuckOnly: false }, now) + ` AND ExecutionStatus = 'Running'` : visibilityQuery(config, filter, now);
  const scanLimit = filter.stuckOnly ? MAX_RUNNING_SCANNED : filter.limit;
  const listed: SagaRow[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(scanLimit, 1000) })) {
    listed.push(rowOf(config, execution, now));
    if (listed.length >= scanLimit) break;
  }
  await describeRunning(client, config, listed);
  return (filter.stuckOnly ? listed.filter((row) => row.stuck) : listed).slice(0, filter.limit);
}

function rowOf(config: SagaConfig, execution: WorkflowExecutionInfo, now: Date): SagaRow {
  const status = execution.typedSearchAttributes.get(CreditsSagaStatus) ?? null;
  const enteredAt = execution.typedSearchAttributes.get(CreditsStepEnteredAt) ?? null;
  const running = execution.status.name === 'RUNNING';
  const kind: SagaKind = execution.type === PURCHASE_WORKFLOW_TYPE ? 'purchase' : 'generation';
  const tooLong = running && (kind === 'purchase' ? isPurchaseStuck(config, execution.startTime, now) : enteredAt !== null && isStuck(config, status, enteredAt, now));
  return {
    kind,
    workflowId: execution.workflowId,
    runId: execution.runId,
    userId: execution.typedSearchAttributes.get(CreditsUserId) ?? null,
    status,
    step: execution.typedSearchAttributes.get(CreditsSagaStep) ?? null,
    executionStatus: execution.status.name,
    costCredits: execution.typedSearchAttributes.get(CreditsCostCredits) ?? null,
    stepEnteredAt: enteredAt?.toISOString() ?? null,
    secondsInStep: enteredAt && running ? Math.round((now.getTime() - enteredAt.getTime()) / 1000) : null,
    stuck: tooLong,
    stuckReason: tooLong ? 'step_too_long' : null,
    pendingActivity: null,
    webUiUrl: `${webUiNamespaceUrl(config)}/workflows/${encodeURIComponent(execution.workflowId)}/${execution.runId}/history`,
  };
}

/**
 * Adds each running saga's pending activity (attempt, last failure) from describe(), and flags the
 * saga stuck at once when that activity has failed SAGA_STUCK_ATTEMPTS attempts in a row: a capture
 * retrying a database error is in trouble long before any step threshold passes.
 */
async function describeRunning(client: Client, config: SagaConfig, rows: SagaRow[]): Promise<void> {
  const running = rows.filter((row) => row.executionStatus === 'RUNNING');
  for (let start = 0; start < running.length; start += DESCRIBE_CONCURRENCY) {
    await Promise.all(
      running.slice(start, start + DESCRIBE_CONCURRENCY).map(async (row) => {
        const pending = await pendingActivityOf(client, row);
        row.pendingActivity = pending;
        if (pending && pending.attempt > config.SAGA_STUCK_ATTEMPTS && pending.lastFailure !== null) {
          row.stuck = true;
          row.stuckReason = 'activity_failing';
        }
      }),
    );
  }
}

async function pendingActivityOf(client: Client, row: SagaRow): Promise<PendingActivityRow | null> {
  try {
    const description = await client.workflow.getHandle(row.workflowId, row.runId).describe();
    const pending = description.raw.pendingActivities ?? [];
    // The most-failed one first: that is the one an operator must look at.
    const worst = [...pending].sort((a, b) => (b.attempt ?? 0) - (a.attempt ?? 0))[0];
    if (!worst) return null;
    return {
      activityType: worst.activityType?.name ?? 'unknown',
      attempt: worst.attempt ?? 1,
      lastFailure: worst.lastFailure?.message ?? null,
      lastFailureType: worst.lastFailure?.applicationFailureInfo?.type ?? null,
    };
  } catch {
    // Closed or gone between the listing and describe(): nothing is pending.
    return null;
  }
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
