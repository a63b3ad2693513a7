import type { PrismaClient } from '../../generated/prisma/client';
import { inLedgerTransaction } from '../ledger/transaction';
import { applyProviderState, recordedPeriodStarts, type PlanSubscriptionRow, type ProviderSubscriptionState } from './plan-subscription-store';
import { grantPaidPeriod, type PeriodGrantOutcome } from './subscription-period-grant';

/**
 * What a provider told us about one subscription (a webhook, or the daily reconciliation's
 * question), applied in a fixed order: paid periods oldest first (each renewal's rollover sees
 * the periods before it), then the state (a cancellation after the last paid period). Every step
 * is idempotent, so the webhook and the reconciliation may both report the same facts.
 */
export interface SubscriptionFacts {
  state: ProviderSubscriptionState | null;
  paidPeriods: ReadonlyArray<{ start: Date; end: Date; invoiceId: string }>;
  recordedBy: 'webhook' | 'reconciliation';
}

export interface AppliedFacts {
  periods: Array<{ periodStart: string; outcome: PeriodGrantOutcome }>;
  stateChange: { before: PlanSubscriptionRow; after: PlanSubscriptionRow } | null;
}

export async function applySubscriptionFacts(prisma: PrismaClient, subscription: PlanSubscriptionRow, facts: SubscriptionFacts, options: { maxBalanceCredits: number; at: Date }): Promise<AppliedFacts> {
  const known = await recordedPeriodStarts(prisma, subscription.id);
  const periods: AppliedFacts['periods'] = [];
  for (const paid of [...facts.paidPeriods].sort((a, b) => a.start.getTime() - b.start.getTime())) {
    if (known.has(paid.start.getTime())) continue;
    const outcome = await inLedgerTransaction(prisma, (tx) =>
      grantPaidPeriod(tx, { subscriptionId: subscription.id, periodStart: paid.start, periodEnd: paid.end, providerInvoiceId: paid.invoiceId, recordedBy: facts.recordedBy }, options),
    );
    periods.push({ periodStart: paid.start.toISOString(), outcome });
  }
  let stateChange: AppliedFacts['stateChange'] = null;
  if (facts.state) {
    const applied = await applyProviderState(prisma, subscription.id, facts.state, options.at);
    if (applied.changed) stateChange = { before: applied.before, after: applied.after };
  }
  return { periods, stateChange };
}
