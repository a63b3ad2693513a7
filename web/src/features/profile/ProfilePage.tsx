import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits, date } from '../../ui/format';
import { Page } from '../../ui/Page';
import { useSession } from '../auth/session';
import { useBalance } from '../credits/api';
import { SubscriptionSummary } from '../subscriptions/SubscriptionSection';
import { useReferral } from './api';
import { AutoRechargeSection } from './AutoRechargeSection';

function CopyButton({ text }: { text: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  }
  return (
    <>
      <button type="button" className="button" onClick={() => void copy()} data-testid="referral-copy">
        Copy code
      </button>
      <span role="status" className="muted small">
        {state === 'copied' ? 'Copied to the clipboard.' : state === 'failed' ? 'Could not copy: select the code and copy it by hand.' : ''}
      </span>
    </>
  );
}

export function ProfilePage() {
  const session = useSession();
  const balance = useBalance();
  const referral = useReferral();
  return (
    <Page title="Profile">
      <div className="grid two">
        <section className="card stack" aria-labelledby="profile-balance">
          <h2 id="profile-balance">Credits</h2>
          <p className="muted">Signed in as {session?.userId}</p>
          {balance.isPending && <Loading />}
          {balance.isError && <ErrorMessage error={balance.error} />}
          {balance.data && (
            <dl className="summary">
              <dt>Available</dt>
              <dd>{credits(balance.data.available)}</dd>
              <dt>On hold</dt>
              <dd>{credits(balance.data.reserved)}</dd>
              <dt>Balance</dt>
              <dd>{credits(balance.data.balance)}</dd>
              {balance.data.nextExpiry && (
                <>
                  <dt>Next expiry</dt>
                  <dd>
                    {credits(balance.data.nextExpiry.credits)} on {date(balance.data.nextExpiry.at)}
                  </dd>
                </>
              )}
            </dl>
          )}
          <div className="row">
            <Link to="/premium/credits" className="button primary" data-testid="profile-purchase">
              Purchase credits
            </Link>
            <Link to="/credits/history">View history</Link>
          </div>
        </section>

        <section className="card stack" aria-labelledby="profile-referral">
          <h2 id="profile-referral">Invite friends</h2>
          {referral.isPending && <Loading />}
          {referral.isError && <ErrorMessage error={referral.error} />}
          {referral.data && (
            <>
              <p>
                Share your code: you both get {credits(referral.data.bonusCredits)} when a new user redeems it (up to {referral.data.maxRewardedReferrals} friends).
              </p>
              <div className="row">
                <code className="referral-code" data-testid="referral-code">
                  {referral.data.code}
                </code>
                <CopyButton text={referral.data.code} />
              </div>
              <p className="muted">
                {referral.data.referredUsers} {referral.data.referredUsers === 1 ? 'friend' : 'friends'} joined with your code; {referral.data.rewardedReferrals} rewarded you.
              </p>
            </>
          )}
        </section>

        <section className="card stack" aria-labelledby="profile-subscription">
          <h2 id="profile-subscription">Subscription</h2>
          <SubscriptionSummary />
        </section>

        <AutoRechargeSection />
      </div>
    </Page>
  );
}
