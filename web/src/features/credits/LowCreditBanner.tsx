import { Link } from 'react-router';
import { useBalance } from './api';

const LOW_CREDIT_FALLBACK_THRESHOLD = 10;

export function LowCreditBanner() {
  const { data } = useBalance();
  if (!data) return null;
  const threshold = data.lowCreditThreshold ?? LOW_CREDIT_FALLBACK_THRESHOLD;
  if (data.available >= threshold) return null;
  return (
    <div className="banner" data-testid="low-credit-banner" role="status">
      <p>
        <strong>Running low:</strong> {data.available === 0 ? 'you have no credits left.' : `only ${data.available} ${data.available === 1 ? 'credit' : 'credits'} left.`}{' '}
        <Link to="/premium/credits">Buy credits</Link>
      </p>
    </div>
  );
}
