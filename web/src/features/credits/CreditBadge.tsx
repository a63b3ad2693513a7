import { Link } from 'react-router';
import { useBalance } from './api';

/** Header badge: available credits (plain integer in the test id'd element), and what is on hold. */
export function CreditBadge() {
  const balance = useBalance();
  const summary = balance.data;
  return (
    <Link to="/premium/credits" className="credit-badge" aria-label={summary ? `${summary.available} credits available. Buy credits` : 'Credits. Buy credits'}>
      <span className="credit-badge-icon" aria-hidden="true">
        ◆
      </span>
      <span data-testid="credit-balance">{summary ? String(summary.available) : '…'}</span>
      {summary && summary.reserved > 0 && (
        <span className="credit-held" data-testid="credit-held">
          {summary.reserved} held
        </span>
      )}
    </Link>
  );
}
