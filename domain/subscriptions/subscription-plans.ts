/**
 * The subscription plans on sale: the one place their prices and rules live (like the credit
 * packages). A subscription stores only its plan id; a grant reads the plan's credits and rollover
 * at the time of the period, so a plan's terms are changed by adding a plan, never by editing one
 * people are subscribed to.
 */
export interface SubscriptionPlan {
  id: string;
  name: string;
  creditsPerPeriod: number;
  // Integer minor units (cents), per period.
  priceCents: number;
  // ISO 4217, upper case.
  currency: string;
  periodDays: number;
  // How many periods' worth of unused subscription credits may carry into the next period:
  // 0 = none (everything unused expires at renewal), 1 = at most one period's worth.
  rolloverMultiple: number;
}

export const SUBSCRIPTION_PLAN_IDS = ['study-monthly', 'study-plus-monthly', 'cram-monthly'] as const;
export type SubscriptionPlanId = (typeof SUBSCRIPTION_PLAN_IDS)[number];

export const SUBSCRIPTION_PLANS: ReadonlyArray<SubscriptionPlan & { id: SubscriptionPlanId }> = Object.freeze([
  { id: 'study-monthly', name: 'Study', creditsPerPeriod: 300, priceCents: 999, currency: 'USD', periodDays: 30, rolloverMultiple: 1 },
  { id: 'study-plus-monthly', name: 'Study Plus', creditsPerPeriod: 1000, priceCents: 2499, currency: 'USD', periodDays: 30, rolloverMultiple: 1 },
  // Cheaper per credit, but use them or lose them: nothing carries over.
  { id: 'cram-monthly', name: 'Cram', creditsPerPeriod: 500, priceCents: 999, currency: 'USD', periodDays: 30, rolloverMultiple: 0 },
]);

export function subscriptionPlan(id: string): SubscriptionPlan | null {
  return SUBSCRIPTION_PLANS.find((plan) => plan.id === id) ?? null;
}

/** The plans as the shop shows them, with the most credits that can carry into a period. */
export function subscriptionPlanOffers(): Array<SubscriptionPlan & { maxRolloverCredits: number }> {
  return SUBSCRIPTION_PLANS.map((plan) => ({ ...plan, maxRolloverCredits: plan.rolloverMultiple * plan.creditsPerPeriod }));
}
