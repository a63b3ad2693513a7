import { useEffect, useRef, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits, date, money } from '../../ui/format';
import { Page } from '../../ui/Page';
import { useCancelSubscription, useMySubscription, useRefreshAfterCheckout, useSubscribe, useSubscriptionPlans } from './api';
import type { MySubscription } from './types';

const STATUS_WORDS: Record<MySubscription['status'], string> = {
  incomplete: 'Waiting for payment',
  active: 'Active',
  past_due: 'Payment overdue',
  canceled: 'Ended',
};

function rolloverWords(multiple: number | null): string {
  if (multiple === null) return '';
  return multiple === 0 ? 'Unused credits expire at each renewal.' : `Up to ${multiple === 1 ? 'one period' : `${multiple} periods`} of unused credits carry over.`;
}

/** The caller's subscription in a sentence or two: status, credits this period, next renewal. */
export function SubscriptionStatus({ subscription }: { subscription: MySubscription }) {
  return (
    <div className="stack" data-testid="subscription-status" data-status={subscription.status}>
      <p>
        <strong>{subscription.plan.name}</strong>: {STATUS_WORDS[subscription.status]}
        {subscription.status === 'active' && subscription.cancelAtPeriodEnd && `, ends on ${date(subscription.currentPeriodEnd)}`}.
      </p>
      {subscription.billing !== 'admin' && (
        <dl className="summary">
          <dt>Credits this period</dt>
          <dd data-testid="subscription-period-credits">{credits(subscription.creditsGrantedThisPeriod)}</dd>
          <dt>Current period</dt>
          <dd>
            {date(subscription.currentPeriodStart)} – {date(subscription.currentPeriodEnd)}
          </dd>
          <dt>Next renewal</dt>
          <dd data-testid="subscription-next-renewal">{subscription.nextRenewalAt ? date(subscription.nextRenewalAt) : 'None'}</dd>
        </dl>
      )}
      {subscription.billing === 'admin' && <p className="muted small">{credits(subscription.plan.creditsPerPeriod)} every month, set up by an administrator.</p>}
    </div>
  );
}

/** On the buy-credits page: the plans with Subscribe buttons, or the current subscription with Cancel. */
export function SubscriptionSection() {
  const plans = useSubscriptionPlans();
  const mine = useMySubscription();
  const subscribe = useSubscribe();
  const cancel = useCancelSubscription();
  const current = mine.data;
  const live = current && current.status !== 'canceled' && current.status !== 'incomplete';
  return (
    <section className="stack" aria-labelledby="subscriptions-heading" data-testid="subscription-section">
      <h2 id="subscriptions-heading">Subscribe</h2>
      {mine.isError && <ErrorMessage error={mine.error} />}
      {current && current.status !== 'incomplete' && (
        <div className="card stack">
          <SubscriptionStatus subscription={current} />
          {current.billing !== 'admin' && current.status === 'active' && !current.cancelAtPeriodEnd && (
            <p>
              <button type="button" className="button" data-testid="subscription-cancel" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
                {cancel.isPending ? 'Cancelling…' : 'Cancel at the end of this period'}
              </button>
            </p>
          )}
          {cancel.isError && <ErrorMessage error={cancel.error} testId="subscription-cancel-error" />}
        </div>
      )}
      {plans.isPending && <Loading label="Loading plans…" />}
      {plans.isError && <ErrorMessage error={plans.error} />}
      {plans.data && !live && (
        <ul className="packages">
          {plans.data.items.map((plan) => (
            <li key={plan.id} className="card package">
              <h3 id={`plan-${plan.id}`}>{plan.name}</h3>
              <p className="package-credits">{credits(plan.creditsPerPeriod)}</p>
              <p className="package-price">
                {money(plan.priceCents, plan.currency)} every {plan.periodDays} days
              </p>
              <p className="muted small">{rolloverWords(plan.rolloverMultiple)}</p>
              <button
                type="button"
                className="button primary"
                data-testid="plan-subscribe"
                data-plan={plan.id}
                aria-describedby={`plan-${plan.id}`}
                onClick={() => subscribe.mutate(plan.id)}
                disabled={subscribe.isPending || (subscribe.isSuccess && subscribe.data.subscription.checkoutUrl !== null)}
              >
                {subscribe.isPending && subscribe.variables === plan.id ? 'Going to checkout…' : `Subscribe to ${plan.name}`}
              </button>
              {subscribe.isError && subscribe.variables === plan.id && <ErrorMessage error={subscribe.error} testId="subscription-error" />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The profile's short view: status, or a link to the plans. */
export function SubscriptionSummary() {
  const mine = useMySubscription();
  if (mine.isPending) return <Loading />;
  if (mine.isError) return <ErrorMessage error={mine.error} />;
  if (!mine.data) {
    return (
      <p className="muted">
        You have no subscription. <Link to="/premium/credits">See the plans</Link>
      </p>
    );
  }
  return <SubscriptionStatus subscription={mine.data} />;
}

/**
 * The checkout's return pages are shared with purchases; a `?subscription=<id>` return shows the
 * subscription's outcome instead of a purchase's.
 */
export function CheckoutReturn({ outcome, purchasePage }: { outcome: 'success' | 'failure'; purchasePage: ReactNode }) {
  const [params] = useSearchParams();
  if (!params.get('subscription')) return <>{purchasePage}</>;
  return <SubscriptionReturn outcome={outcome} />;
}

function SubscriptionReturn({ outcome }: { outcome: 'success' | 'failure' }) {
  const mine = useMySubscription({ pollWhileIncomplete: outcome === 'success' });
  const refresh = useRefreshAfterCheckout();
  const active = mine.data?.status === 'active';
  const refreshed = useRef(false);
  useEffect(() => {
    if (active && !refreshed.current) {
      refreshed.current = true;
      void refresh();
    }
  }, [active, refresh]);
  return (
    <Page title="Subscription" narrow>
      <section className="card stack" data-testid="subscription-result" data-status={mine.data?.status} aria-live="polite">
        {mine.isError && <ErrorMessage error={mine.error} />}
        {outcome === 'success' && !active && (
          <p role="status">
            <span className="spinner" aria-hidden="true" /> Waiting for the payment to be confirmed…
          </p>
        )}
        {outcome === 'failure' && <p className="error">The payment was not completed; you were not subscribed.</p>}
        {mine.data && mine.data.status !== 'incomplete' && <SubscriptionStatus subscription={mine.data} />}
        <p>
          <Link to="/premium/credits">Back to plans and packages</Link>
        </p>
      </section>
    </Page>
  );
}
