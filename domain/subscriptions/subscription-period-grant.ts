import { lockAccountByUserId, saveAccountTotals, type LockedAccount } from '../ledger/account-lock';
import { recordLotDebits } from '../ledger/debit-lots';
import { grantLot } from '../ledger/grant';
import { appendJournalEntry, journalEntryExists } from '../ledger/journal';
import type { LedgerTx } from '../ledger/transaction';
import { subscriptionPlan, type SubscriptionPlan } from './subscription-plans';

/**
 * A paid period of a plan subscription becomes credits here, in one ledger transaction:
 *   1. the account's row lock, then the subscription's (the fixed order: account before the rows
 *      that belong to it, as every ledger mutation does);
 *   2. the subscription's lots past their expiry by the ledger's clock expire (keyed
 *      `expire:<lotId>` like the expiration sweep's, so the sweep and the renewal never both do);
 *   3. rollover: what the subscription's other lots still hold above `rolloverMultiple x credits`
 *      expires, soonest-expiring lot first, as one `expiration` entry keyed
 *      `subscription-rollover:<subscriptionId>:<periodStart>` whose per-lot amounts are lot debits
 *      (so ledger:verify explains every lot's remainder); the rest carries over;
 *   4. the period's lot: the plan's credits, expiring at the end of the NEXT period, keyed
 *      `subscription-period:<subscriptionId>:<periodStart>`; granted up to the balance cap, not
 *      refused (the money was already taken by the provider; the journal records a capped amount);
 *   5. the period's row (unique per subscription and start), and the subscription's current period.
 * A period already recorded changes nothing, however many webhooks or reconciliation runs report it.
 */
export interface PaidPeriod {
  subscriptionId: string;
  periodStart: Date;
  periodEnd: Date;
  providerInvoiceId: string | null;
  recordedBy: 'webhook' | 'reconciliation';
}

export type PeriodGrantOutcome =
  | { kind: 'granted'; grantedCredits: number; carriedCredits: number; expiredCredits: number; lotId: string | null }
  | { kind: 'already_granted' }
  | { kind: 'ignored'; why: string };

interface LockedSubscription {
  id: string;
  user_id: string;
  plan_id: string;
  status: string;
  current_period_start: Date | null;
}

const ACTOR = 'system:subscription-billing';

export async function grantPaidPeriod(tx: LedgerTx, period: PaidPeriod, options: { maxBalanceCredits: number; at: Date }): Promise<PeriodGrantOutcome> {
  const owner = await tx.planSubscription.findUnique({ where: { id: period.subscriptionId }, select: { userId: true } });
  if (!owner) return { kind: 'ignored', why: 'unknown subscription' };
  const account = await lockAccountByUserId(tx, owner.userId);
  const [subscription] = await tx.$queryRaw<LockedSubscription[]>`
    SELECT id::text, user_id, plan_id, status, current_period_start FROM plan_subscriptions WHERE id = ${period.subscriptionId}::uuid FOR UPDATE`;
  if (!subscription) return { kind: 'ignored', why: 'unknown subscription' };
  const existing = await tx.subscriptionPeriod.findUnique({ where: { subscriptionId_periodStart: { subscriptionId: subscription.id, periodStart: period.periodStart } }, select: { id: true } });
  if (existing) return { kind: 'already_granted' };
  // A checkout the user replaced with another, paid after all: it becomes the user's subscription
  // unless another one is already paid for (then two plans would bill; an operator refunds this one).
  if (subscription.status === 'abandoned') {
    if (!(await reviveAbandoned(tx, subscription))) return { kind: 'ignored', why: 'an abandoned checkout was paid while another subscription of the user is active' };
    subscription.status = 'incomplete';
  }
  const plan = subscriptionPlan(subscription.plan_id);
  if (!plan) return { kind: 'ignored', why: `unknown plan ${subscription.plan_id}` };

  await expireEndedLots(tx, account, subscription.id, options.at);
  const rollover = await applyRolloverLimit(tx, account, subscription.id, plan, period, options.at);
  const granted = await grantLot(tx, account, {
    source: 'subscription',
    credits: plan.creditsPerPeriod,
    expiresAt: new Date(period.periodEnd.getTime() + (period.periodEnd.getTime() - period.periodStart.getTime())),
    reason: `${plan.name} subscription: credits for the period from ${period.periodStart.toISOString()}`,
    actor: ACTOR,
    idempotencyKey: `subscription-period:${subscription.id}:${period.periodStart.toISOString()}`,
    relatedId: subscription.id,
    cap: { maxBalanceCredits: options.maxBalanceCredits, policy: 'grant_up_to_cap' },
    extraMetadata: { subscriptionId: subscription.id, planId: plan.id, periodStart: period.periodStart.toISOString(), periodEnd: period.periodEnd.toISOString(), providerInvoiceId: period.providerInvoiceId },
    at: options.at,
  });
  const grantedCredits = granted.kind === 'granted' ? granted.credits : 0;
  const lotId = granted.kind === 'granted' ? granted.lotId : null;
  await tx.subscriptionPeriod.create({
    data: { subscriptionId: subscription.id, periodStart: period.periodStart, periodEnd: period.periodEnd, providerInvoiceId: period.providerInvoiceId, grantedCredits, carriedCredits: rollover.carriedCredits, expiredCredits: rollover.expiredCredits, lotId, recordedBy: period.recordedBy, createdAt: options.at },
  });
  const isLatest = !subscription.current_period_start || subscription.current_period_start.getTime() <= period.periodStart.getTime();
  const reopened = subscription.status === 'incomplete' || subscription.status === 'past_due';
  await tx.planSubscription.update({
    where: { id: subscription.id },
    data: {
      ...(isLatest ? { currentPeriodStart: period.periodStart, currentPeriodEnd: period.periodEnd } : {}),
      ...(reopened ? { status: 'active', liveUserId: subscription.user_id } : {}),
    },
  });
  return { kind: 'granted', grantedCredits, carriedCredits: rollover.carriedCredits, expiredCredits: rollover.expiredCredits, lotId };
}

/**
 * The subscription's lots past their expiry (the end of the period after the one that granted
 * them): what is left of them expires now, as the sweep would. Only by the ledger's clock, never by
 * the provider's period dates: a lot expired early could be refilled by a reservation released
 * before its expiry, and the sweep would then try to expire it a second time under the same key.
 */
async function expireEndedLots(tx: LedgerTx, account: LockedAccount, subscriptionId: string, at: Date): Promise<void> {
  const ended = await tx.creditLot.findMany({
    where: { accountId: account.id, source: 'subscription', relatedId: subscriptionId, remainingCredits: { gt: 0 }, expiresAt: { lte: at } },
    orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
    select: { id: true, remainingCredits: true, expiresAt: true },
  });
  for (const lot of ended) {
    if (await journalEntryExists(tx, `expire:${lot.id}`)) continue;
    await tx.creditLot.update({ where: { id: lot.id }, data: { remainingCredits: 0 } });
    await appendJournalEntry(tx, account, {
      type: 'expiration',
      amountCredits: -lot.remainingCredits,
      reason: 'subscription credits expired at the end of the period after the one that granted them',
      relatedType: 'lot',
      relatedId: lot.id,
      actor: ACTOR,
      idempotencyKey: `expire:${lot.id}`,
      metadata: { expiresAt: lot.expiresAt?.toISOString() ?? null, subscriptionId },
      at,
    });
  }
  if (ended.length > 0) await saveAccountTotals(tx, account);
}

/**
 * Unused credits of the subscription's lots that live on into the new period, above the plan's
 * rollover limit, expire now. A lot whose life ends by the period's start carries nothing over (it
 * expires on its own, above, or by the sweep if the clock has not quite reached it).
 */
async function applyRolloverLimit(tx: LedgerTx, account: LockedAccount, subscriptionId: string, plan: SubscriptionPlan, period: PaidPeriod, at: Date): Promise<{ carriedCredits: number; expiredCredits: number }> {
  const live = await tx.creditLot.findMany({
    where: { accountId: account.id, source: 'subscription', relatedId: subscriptionId, remainingCredits: { gt: 0 }, expiresAt: { gt: period.periodStart } },
    orderBy: [{ expiresAt: 'asc' }, { id: 'asc' }],
    select: { id: true, remainingCredits: true },
  });
  const unusedCredits = live.reduce((sum, lot) => sum + lot.remainingCredits, 0);
  const limitCredits = plan.rolloverMultiple * plan.creditsPerPeriod;
  const excessCredits = Math.max(0, unusedCredits - limitCredits);
  if (excessCredits === 0) return { carriedCredits: unusedCredits, expiredCredits: 0 };
  const draws: Array<{ lotId: string; credits: number }> = [];
  let outstanding = excessCredits;
  for (const lot of live) {
    if (outstanding === 0) break;
    const take = Math.min(lot.remainingCredits, outstanding);
    draws.push({ lotId: lot.id, credits: take });
    outstanding -= take;
  }
  for (const draw of draws) await tx.creditLot.update({ where: { id: draw.lotId }, data: { remainingCredits: { decrement: draw.credits } } });
  const entryId = await appendJournalEntry(tx, account, {
    type: 'expiration',
    amountCredits: -excessCredits,
    reason: `rollover limit: ${excessCredits} unused subscription credits above the ${limitCredits} that may carry over expired at renewal`,
    relatedType: 'subscription',
    relatedId: subscriptionId,
    actor: ACTOR,
    idempotencyKey: `subscription-rollover:${subscriptionId}:${period.periodStart.toISOString()}`,
    metadata: { planId: plan.id, rolloverMultiple: plan.rolloverMultiple, rolloverLimitCredits: limitCredits, unusedCredits, lots: draws },
    at,
  });
  await recordLotDebits(tx, entryId, draws);
  await saveAccountTotals(tx, account);
  return { carriedCredits: unusedCredits - excessCredits, expiredCredits: excessCredits };
}

/** Makes a paid abandoned checkout the user's live subscription, replacing an unpaid newer one. */
async function reviveAbandoned(tx: LedgerTx, subscription: LockedSubscription): Promise<boolean> {
  const live = await tx.planSubscription.findUnique({ where: { liveUserId: subscription.user_id }, select: { id: true, status: true } });
  if (live && live.status !== 'incomplete') return false;
  if (live) await tx.planSubscription.update({ where: { id: live.id }, data: { status: 'abandoned', liveUserId: null } });
  return true;
}
