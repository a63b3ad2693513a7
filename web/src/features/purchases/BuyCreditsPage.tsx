import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits, money } from '../../ui/format';
import { Page } from '../../ui/Page';
import { useBalance } from '../credits/api';
import { SubscriptionSection } from '../subscriptions/SubscriptionSection';
import { purchaseAttempt, usePackages, useStartPurchase } from './api';

const PACKAGE_NAMES: Record<string, string> = { starter: 'Starter', standard: 'Standard', plus: 'Plus', pro: 'Pro' };

export function BuyCreditsPage() {
  const packages = usePackages();
  const balance = useBalance();
  const start = useStartPurchase();
  const buying = start.isPending || (start.isSuccess && start.data.checkoutUrl !== null) ? start.variables?.packageId : undefined;

  return (
    <Page title="Buy credits">
      <p className="lead">
        {balance.data ? (
          <>
            You have <strong>{credits(balance.data.available)}</strong> available.
          </>
        ) : (
          'Choose a package.'
        )}{' '}
        Credits are added as soon as the payment goes through.
      </p>
      {packages.isPending && <Loading label="Loading packages…" />}
      {packages.isError && <ErrorMessage error={packages.error} />}
      {packages.data && (
        <ul className="packages">
          {packages.data.items.map((item) => {
            const perCredit = item.pricePerCreditMillicents / 100;
            return (
              <li key={item.id} className="card package">
                <h2 id={`package-${item.id}`}>{PACKAGE_NAMES[item.id] ?? item.id}</h2>
                <p className="package-credits">
                  {credits(item.credits)}
                  {item.bonusCredits > 0 && <span data-testid="package-bonus"> + {credits(item.bonusCredits)} bonus</span>}
                </p>
                <p className="package-price">{money(item.priceCents, item.currency)}</p>
                <p className="muted small">
                  {money(perCredit, item.currency)} per credit{item.savingPercent > 0 && `, save ${item.savingPercent}%`}
                </p>
                <button
                  type="button"
                  className="button primary"
                  data-testid="package-buy"
                  data-package={item.id}
                  aria-describedby={`package-${item.id}`}
                  onClick={() => start.mutate(purchaseAttempt(item.id))}
                  disabled={buying !== undefined}
                >
                  {buying === item.id ? 'Going to checkout…' : `Buy ${item.credits} credits`}
                </button>
                {start.isError && start.variables?.packageId === item.id && <ErrorMessage error={start.error} />}
              </li>
            );
          })}
        </ul>
      )}
      {start.isSuccess && !start.data.checkoutUrl && <ErrorMessage error="The payment page is not ready yet. Try again in a moment." />}
      <SubscriptionSection />
    </Page>
  );
}
