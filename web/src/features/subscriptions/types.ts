/** GET /subscription-plans items (api/openapi.ts subscriptionPlanView). */
export interface SubscriptionPlan {
  id: string;
  name: string;
  creditsPerPeriod: number;
  priceCents: number;
  currency: string;
  periodDays: number;
  rolloverMultiple: number;
  maxRolloverCredits: number;
}

/** GET /users/me/subscription's `subscription` (api/openapi.ts subscriptionView). */
export interface MySubscription {
  id: string | null;
  billing: 'fake' | 'stripe' | 'admin';
  plan: { id: string; name: string; creditsPerPeriod: number; priceCents: number | null; currency: string | null; rolloverMultiple: number | null };
  status: 'incomplete' | 'active' | 'past_due' | 'canceled';
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  nextRenewalAt: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  creditsGrantedThisPeriod: number;
  checkoutUrl: string | null;
}
