import { Link, useSearchParams } from 'react-router';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits } from '../../ui/format';
import { Page } from '../../ui/Page';
import { useBalance } from '../credits/api';
import { purchaseAttempt, usePurchase, useStartPurchase } from './api';

const FAILURE_WORDS: Record<string, string> = {
  card_declined: 'Your card was declined.',
  expired: 'The payment was not completed in time.',
  cancelled: 'The payment was cancelled.',
};

function reasonInWords(reason: string | null, status: string): string {
  if (reason) return FAILURE_WORDS[reason] ?? reason.replace(/_/g, ' ');
  if (status === 'expired') return FAILURE_WORDS.expired!;
  if (status === 'refunded') return 'The payment was refunded.';
  return 'The payment did not go through.';
}

function usePurchaseId(): string | null {
  const [params] = useSearchParams();
  return params.get('purchase');
}

/** After paying: waits for the credits to arrive, then shows what was added and the new balance. */
export function PurchaseSuccessPage() {
  const id = usePurchaseId();
  const purchase = usePurchase(id);
  const balance = useBalance();
  const data = purchase.data;
  return (
    <Page title="Purchase" narrow>
      <section className="card stack" data-testid="purchase-result" data-status={data?.status} aria-live="polite">
        {!id && <ErrorMessage error="This page needs a purchase id. Open it from the payment page." />}
        {purchase.isError && <ErrorMessage error={purchase.error} />}
        {id && purchase.isPending && <Loading label="Looking up your purchase…" />}
        {data && (data.status === 'pending' || (data.status === 'paid' && !data.failureReason)) && (
          <p role="status">
            <span className="spinner" aria-hidden="true" /> {data.status === 'paid' ? 'Payment received; adding your credits…' : 'Waiting for the payment to be confirmed…'}
          </p>
        )}
        {/* Paid with a reason recorded: the credits could not be granted and the refund is under way. */}
        {data?.status === 'paid' && data.failureReason && (
          <p role="status" data-testid="purchase-refunding">
            <span className="spinner" aria-hidden="true" /> Payment received, but the credits could not be added ({data.failureReason}). Your payment is being refunded; no
            credits were added.
          </p>
        )}
        {data?.status === 'fulfilled' && (
          <>
            <h2 className="success-title">Thank you!</h2>
            <p>
              <strong>{credits(data.credits)}</strong> were added to your account.
            </p>
            <p>
              Your balance is now <strong data-testid="purchase-new-balance">{balance.data ? balance.data.available : '…'}</strong> credits available.
            </p>
            <p>
              <Link to="/generate" className="button primary">
                Start generating
              </Link>
            </p>
          </>
        )}
        {data && (data.status === 'failed' || data.status === 'expired' || data.status === 'refunded') && (
          <>
            <p className="error">{reasonInWords(data.failureReason, data.status)}</p>
            <p>No credits were added. <Link to="/premium/credits">Back to packages</Link></p>
          </>
        )}
      </section>
    </Page>
  );
}

/** After a declined or abandoned payment: why, the balance untouched, and a retry. */
export function PurchaseFailurePage() {
  const id = usePurchaseId();
  const purchase = usePurchase(id);
  const balance = useBalance();
  const retry = useStartPurchase();
  const data = purchase.data;
  return (
    <Page title="Payment not completed" narrow>
      <section className="card stack" data-testid="purchase-result" data-status={data?.status} aria-live="polite">
        {purchase.isError && <ErrorMessage error={purchase.error} />}
        {id && purchase.isPending && <Loading label="Looking up your purchase…" />}
        {data?.status === 'fulfilled' ? (
          <p>
            This purchase went through after all: {credits(data.credits)} were added. <Link to={`/premium/credits/success?purchase=${encodeURIComponent(data.id)}`}>See the receipt</Link>
          </p>
        ) : (
          <>
            <p className="error" data-testid="purchase-failure-reason">
              {data ? reasonInWords(data.failureReason, data.status) : 'The payment was not completed.'}
            </p>
            <p>
              No credits were added and you were not charged. You have <strong>{balance.data ? balance.data.available : '…'}</strong> credits available.
            </p>
            <div className="row">
              <button type="button" className="button primary" data-testid="purchase-retry" disabled={!data || retry.isPending} onClick={() => data && retry.mutate(purchaseAttempt(data.packageId))}>
                {retry.isPending ? 'Going to checkout…' : 'Try again'}
              </button>
              <Link to="/premium/credits" className="button">
                Choose another package
              </Link>
            </div>
            <ErrorMessage error={retry.error} />
          </>
        )}
      </section>
    </Page>
  );
}
