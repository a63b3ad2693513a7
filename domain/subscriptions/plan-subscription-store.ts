import { Prisma, type PrismaClient } from '../../generated/prisma/client';
import { NotFoundError, SubscriptionAlreadyActiveError, SubscriptionStateConflictError } from '../../platform/errors';
import { subscriptionPlan, type SubscriptionPlan } from './subscription-plans';

/**
 * The only writer of `plan_subscriptions`: subscriptions users buy. Credits move only in
 * subscription-period-grant.ts; this module keeps the subscription's state as the provider
 * reports it. `liveUserId` (unique) makes a second live subscription per user impossible.
 */
export type PlanSubscriptionStatus = 'incomplete' | 'active' | 'past_due' | 'canceled' | 'abandoned';
const LIVE: ReadonlySet<string> = new Set(['incomplete', 'active', 'past_due']);

/** What the provider says a subscription is now (webhook or reconciliation). */
export interface ProviderSubscriptionState {
  providerSubscriptionId: string | null;
  status: 'incomplete' | 'active' | 'past_due' | 'canceled';
  cancelAtPeriodEnd: boolean;
  currentPeriod: { start: Date; end: Date } | null;
}

export interface PlanSubscriptionRow {
  id: string;
  userId: string;
  planId: string;
  provider: string;
  status: string;
  checkoutId: string | null;
  checkoutUrl: string | null;
  providerSubscriptionId: string | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
}

/**
 * Starts a subscription checkout: refused while the user has an active one (bought or admin-set);
 * an unpaid checkout of the same plan is answered again (a double click), one of another plan is
 * replaced (`abandoned`; if it is paid after all, the payment grants nothing and is logged).
 */
export async function openSubscriptionCheckout(prisma: PrismaClient, request: { subscriptionId: string; userId: string; plan: SubscriptionPlan; provider: string }): Promise<{ subscription: PlanSubscriptionRow; created: boolean }> {
  const adminPlan = await prisma.subscription.findUnique({ where: { userId: request.userId } });
  if (adminPlan?.active) throw new SubscriptionAlreadyActiveError({ subscriptionId: null, planId: 'admin', status: 'active' });
  const live = await prisma.planSubscription.findUnique({ where: { liveUserId: request.userId } });
  if (live && live.status !== 'incomplete') throw new SubscriptionAlreadyActiveError({ subscriptionId: live.id, planId: live.planId, status: live.status });
  // The same plan again: its checkout (or, if the first request died before the provider
  // answered, the same row, whose checkout is then made with the same idempotency key).
  if (live && live.planId === request.plan.id) return { subscription: live, created: false };
  try {
    const subscription = await prisma.$transaction(async (tx) => {
      if (live) await tx.planSubscription.updateMany({ where: { id: live.id, status: 'incomplete' }, data: { status: 'abandoned', liveUserId: null } });
      return tx.planSubscription.create({
        data: { id: request.subscriptionId, userId: request.userId, planId: request.plan.id, provider: request.provider, status: 'incomplete', liveUserId: request.userId },
      });
    });
    return { subscription, created: true };
  } catch (error) {
    // Another request made the user's live subscription between our read and our insert.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await prisma.planSubscription.findUnique({ where: { liveUserId: request.userId } });
      throw new SubscriptionAlreadyActiveError({ subscriptionId: winner?.id ?? null, planId: winner?.planId ?? null, status: winner?.status ?? 'incomplete' });
    }
    throw error;
  }
}

export async function recordSubscriptionCheckout(prisma: PrismaClient, subscriptionId: string, checkout: { checkoutId: string; checkoutUrl: string }): Promise<PlanSubscriptionRow> {
  return prisma.planSubscription.update({ where: { id: subscriptionId }, data: checkout });
}

/** A subscription found by whichever reference a provider's event carries. */
export async function findPlanSubscription(prisma: PrismaClient, ref: { subscriptionId?: string | null; providerSubscriptionId?: string | null; checkoutId?: string | null }): Promise<PlanSubscriptionRow | null> {
  if (ref.providerSubscriptionId) {
    const found = await prisma.planSubscription.findUnique({ where: { providerSubscriptionId: ref.providerSubscriptionId } });
    if (found) return found;
  }
  if (ref.checkoutId) {
    const found = await prisma.planSubscription.findUnique({ where: { checkoutId: ref.checkoutId } });
    if (found) return found;
  }
  if (ref.subscriptionId && /^[0-9a-f-]{36}$/i.test(ref.subscriptionId)) return prisma.planSubscription.findUnique({ where: { id: ref.subscriptionId } });
  return null;
}

/** The user's live subscription, or their latest one (so a cancelled plan still shows its end). */
export async function currentPlanSubscription(prisma: PrismaClient, userId: string): Promise<PlanSubscriptionRow | null> {
  return (await prisma.planSubscription.findUnique({ where: { liveUserId: userId } })) ?? (await prisma.planSubscription.findFirst({ where: { userId, status: 'canceled' }, orderBy: { createdAt: 'desc' } }));
}

/**
 * Applies the provider's view: status, period, cancel-at-period-end, the provider's subscription id.
 * Answers what changed, so the caller can audit a cancellation it did not ask for itself.
 */
export async function applyProviderState(prisma: PrismaClient, subscriptionId: string, state: ProviderSubscriptionState, at: Date): Promise<{ before: PlanSubscriptionRow; after: PlanSubscriptionRow; changed: boolean }> {
  return prisma.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text FROM plan_subscriptions WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
    if (!locked) throw new NotFoundError('Subscription', subscriptionId);
    const before = await tx.planSubscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    // An abandoned checkout stays abandoned, and a cancelled subscription never comes back to life.
    if (before.status === 'abandoned' || before.status === 'canceled') return { before, after: before, changed: false };
    // The provider's `incomplete` never undoes a period we already know was paid; a checkout that
    // ended unpaid (an expired Stripe session) was abandoned, not a subscription that ended.
    const status: PlanSubscriptionStatus =
      state.status === 'incomplete' && before.status !== 'incomplete' ? (before.status as PlanSubscriptionStatus) : state.status === 'canceled' && before.status === 'incomplete' ? 'abandoned' : state.status;
    const newerPeriod = state.currentPeriod && (!before.currentPeriodStart || state.currentPeriod.start.getTime() >= before.currentPeriodStart.getTime());
    const data = {
      status,
      liveUserId: LIVE.has(status) ? before.userId : null,
      cancelAtPeriodEnd: state.cancelAtPeriodEnd,
      ...(state.providerSubscriptionId && !before.providerSubscriptionId ? { providerSubscriptionId: state.providerSubscriptionId } : {}),
      ...(newerPeriod && state.currentPeriod ? { currentPeriodStart: state.currentPeriod.start, currentPeriodEnd: state.currentPeriod.end } : {}),
      ...(status === 'canceled' ? { canceledAt: at } : {}),
    };
    const changed = before.status !== data.status || before.cancelAtPeriodEnd !== data.cancelAtPeriodEnd || Boolean(data.providerSubscriptionId) || Boolean(newerPeriod && state.currentPeriod && before.currentPeriodStart?.getTime() !== state.currentPeriod.start.getTime());
    if (!changed) return { before, after: before, changed: false };
    const after = await tx.planSubscription.update({ where: { id: subscriptionId }, data });
    return { before, after, changed };
  });
}

/** The checks before asking the provider to cancel: only a paid, live subscription can be. */
export function assertCancellable(subscription: PlanSubscriptionRow | null, userId: string): PlanSubscriptionRow & { providerSubscriptionId: string } {
  if (!subscription || !LIVE.has(subscription.status)) throw new NotFoundError('An active subscription of user', userId);
  if (subscription.status === 'incomplete' || !subscription.providerSubscriptionId) {
    throw new SubscriptionStateConflictError('This subscription has not been paid yet; there is nothing to cancel (its checkout simply expires)', { subscriptionId: subscription.id, status: subscription.status });
  }
  return subscription as PlanSubscriptionRow & { providerSubscriptionId: string };
}

/** One page of the subscriptions the reconciliation asks the provider about, by id. */
export async function reconcilableSubscriptionsPage(prisma: PrismaClient, options: { afterId: string | null; pageSize: number }): Promise<PlanSubscriptionRow[]> {
  return prisma.planSubscription.findMany({
    where: { status: { in: ['incomplete', 'active', 'past_due'] }, checkoutId: { not: null }, ...(options.afterId ? { id: { gt: options.afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: options.pageSize,
  });
}

export async function recordedPeriodStarts(prisma: PrismaClient, subscriptionId: string): Promise<Set<number>> {
  const periods = await prisma.subscriptionPeriod.findMany({ where: { subscriptionId }, select: { periodStart: true } });
  return new Set(periods.map((period) => period.periodStart.getTime()));
}

export interface SubscriptionView {
  id: string | null;
  billing: 'fake' | 'stripe' | 'admin';
  plan: { id: string; name: string; creditsPerPeriod: number; priceCents: number | null; currency: string | null; rolloverMultiple: number | null };
  status: string;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  nextRenewalAt: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  creditsGrantedThisPeriod: number;
  checkoutUrl: string | null;
}

/** GET /users/me/subscription: the bought subscription, else an admin-set plan, else null. */
export async function subscriptionViewOf(prisma: PrismaClient, userId: string): Promise<SubscriptionView | null> {
  const subscription = await currentPlanSubscription(prisma, userId);
  if (subscription) {
    const plan = subscriptionPlan(subscription.planId);
    const period = subscription.currentPeriodStart
      ? await prisma.subscriptionPeriod.findUnique({ where: { subscriptionId_periodStart: { subscriptionId: subscription.id, periodStart: subscription.currentPeriodStart } }, select: { grantedCredits: true } })
      : null;
    const renews = subscription.status === 'active' && !subscription.cancelAtPeriodEnd;
    return {
      id: subscription.id,
      billing: subscription.provider === 'stripe' ? 'stripe' : 'fake',
      plan: { id: subscription.planId, name: plan?.name ?? subscription.planId, creditsPerPeriod: plan?.creditsPerPeriod ?? 0, priceCents: plan?.priceCents ?? null, currency: plan?.currency ?? null, rolloverMultiple: plan?.rolloverMultiple ?? null },
      status: subscription.status,
      currentPeriodStart: subscription.currentPeriodStart?.toISOString() ?? null,
      currentPeriodEnd: subscription.currentPeriodEnd?.toISOString() ?? null,
      nextRenewalAt: renews ? (subscription.currentPeriodEnd?.toISOString() ?? null) : null,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
      canceledAt: subscription.canceledAt?.toISOString() ?? null,
      creditsGrantedThisPeriod: period?.grantedCredits ?? 0,
      checkoutUrl: subscription.status === 'incomplete' ? subscription.checkoutUrl : null,
    };
  }
  const adminPlan = await prisma.subscription.findUnique({ where: { userId } });
  if (!adminPlan?.active) return null;
  return {
    id: null,
    billing: 'admin',
    plan: { id: 'admin', name: 'Plan set by an administrator', creditsPerPeriod: adminPlan.planCredits, priceCents: null, currency: null, rolloverMultiple: null },
    status: 'active',
    currentPeriodStart: null,
    currentPeriodEnd: null,
    nextRenewalAt: null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    creditsGrantedThisPeriod: 0,
    checkoutUrl: null,
  };
}

/** Records the provider's subscription id the first time an event names it. */
export async function linkProviderSubscription(prisma: PrismaClient, subscriptionId: string, providerSubscriptionId: string): Promise<void> {
  await prisma.planSubscription.updateMany({ where: { id: subscriptionId, providerSubscriptionId: null }, data: { providerSubscriptionId } });
}
