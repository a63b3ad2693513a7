import { log } from '@temporalio/activity';
import type { PrismaClient } from '../generated/prisma/client';
import type { Clock } from '../platform/clock';
import type { CreditsMetrics } from '../platform/metrics';
import { auditSubscriptionStateChange } from '../domain/operations/subscription-audit';
import { applySubscriptionFacts } from '../domain/subscriptions/apply-provider-facts';
import { linkProviderSubscription, reconcilableSubscriptionsPage, type PlanSubscriptionRow } from '../domain/subscriptions/plan-subscription-store';
import { PaymentProviderError } from '../integrations/payments/payment-provider';
import type { SubscriptionBilling } from '../integrations/payments/subscription-billing';

export interface SubscriptionReconcilePage {
  lastSubscriptionId: string | null;
  checked: number;
  grantedPeriods: number;
  stateChanges: number;
  failures: number;
}

/** The daily reconciliation's side effects: one page of live subscriptions, each asked about at the provider. */
export function createSubscriptionActivities(deps: { prisma: PrismaClient; clock: Clock; subscriptionBilling: SubscriptionBilling; maxBalanceCredits: number; metrics?: CreditsMetrics }) {
  async function reconcileOne(subscription: PlanSubscriptionRow): Promise<{ grantedPeriods: number; stateChanged: boolean }> {
    const snapshot = await deps.subscriptionBilling.retrieveSubscription({ checkoutId: subscription.checkoutId!, providerSubscriptionId: subscription.providerSubscriptionId });
    if (snapshot.state.providerSubscriptionId) await linkProviderSubscription(deps.prisma, subscription.id, snapshot.state.providerSubscriptionId);
    const applied = await applySubscriptionFacts(deps.prisma, subscription, { state: snapshot.state, paidPeriods: snapshot.paidPeriods, recordedBy: 'reconciliation' }, { maxBalanceCredits: deps.maxBalanceCredits, at: deps.clock.now() });
    await auditSubscriptionStateChange(deps.prisma, 'system:subscription-reconciliation', applied.stateChange);
    const grantedPeriods = applied.periods.filter((period) => period.outcome.kind === 'granted').length;
    for (const { outcome } of applied.periods) {
      if (outcome.kind !== 'granted') continue;
      deps.metrics?.credits.inc({ movement: 'granted' }, outcome.grantedCredits);
      if (outcome.expiredCredits > 0) deps.metrics?.credits.inc({ movement: 'expired' }, outcome.expiredCredits);
    }
    if (grantedPeriods > 0) log.warn('subscription reconciliation granted a period no webhook had reported', { subscriptionId: subscription.id, grantedPeriods });
    return { grantedPeriods, stateChanged: applied.stateChange !== null };
  }

  return {
    async reconcileSubscriptionsPage(input: { afterSubscriptionId: string | null; pageSize: number }): Promise<SubscriptionReconcilePage> {
      const page = await reconcilableSubscriptionsPage(deps.prisma, { afterId: input.afterSubscriptionId, pageSize: input.pageSize });
      const result: SubscriptionReconcilePage = { lastSubscriptionId: page[page.length - 1]?.id ?? null, checked: page.length, grantedPeriods: 0, stateChanges: 0, failures: 0 };
      for (const subscription of page) {
        try {
          const outcome = await reconcileOne(subscription);
          result.grantedPeriods += outcome.grantedPeriods;
          if (outcome.stateChanged) result.stateChanges += 1;
        } catch (error) {
          // A provider that is down fails the page, which is retried whole (every step is
          // idempotent); one subscription the provider refuses for good is logged and skipped, so
          // it cannot stop the others from being reconciled.
          if (!(error instanceof PaymentProviderError) || error.retryable) throw error;
          result.failures += 1;
          log.error('subscription reconciliation: the provider refused', { subscriptionId: subscription.id, error: error.message });
        }
      }
      return result;
    },
  };
}

export type SubscriptionActivities = ReturnType<typeof createSubscriptionActivities>;
