import { Link, useNavigate } from 'react-router';
import { isApiError } from '../../api/errors';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits, dateTime } from '../../ui/format';
import { HistoryTable } from '../../ui/HistoryTable';
import { Page } from '../../ui/Page';
import { useBalance, useDailyBonus, useRecentHistory } from '../credits/api';
import { GenerationForm } from '../generations/GenerationForm';

function DailyBonus() {
  const bonus = useDailyBonus();
  const already = isApiError(bonus.error, 'DAILY_BONUS_ALREADY_CLAIMED') ? bonus.error.detailString('nextEligibleAt') : undefined;
  return (
    <div className="bonus">
      <button type="button" className="button" data-testid="daily-bonus" onClick={() => bonus.mutate()} disabled={bonus.isPending || bonus.isSuccess}>
        {bonus.isPending ? 'Claiming…' : 'Claim daily bonus'}
      </button>
      <div aria-live="polite">
        {bonus.isSuccess && (
          <p className="positive" data-testid="daily-bonus-result">
            +{credits(bonus.data.granted)} claimed{bonus.data.streakDays > 1 ? ` · ${bonus.data.streakDays}-day streak` : ''}. Next bonus {dateTime(bonus.data.nextEligibleAt)}.
          </p>
        )}
        {already !== undefined ? (
          <p className="muted" data-testid="daily-bonus-result">
            Already claimed today. Next bonus {dateTime(already)}.
          </p>
        ) : (
          <ErrorMessage error={bonus.error} />
        )}
      </div>
    </div>
  );
}

export function HomePage() {
  const balance = useBalance();
  const recent = useRecentHistory(5);
  const navigate = useNavigate();
  const data = balance.data;
  return (
    <Page title="Home">
      <div className="grid two">
        <section className="card stack hero" aria-labelledby="home-balance">
          <h2 id="home-balance">Your credits</h2>
          {balance.isPending && <Loading />}
          {balance.isError && <ErrorMessage error={balance.error} />}
          {data && (
            <>
              <p className="big-number" data-testid="home-available">
                {data.available}
                <span className="unit"> available</span>
              </p>
              {data.reserved > 0 && <p className="muted">{credits(data.reserved)} held for generations in progress.</p>}
              <p data-testid="home-runway">
                {data.runway.generations === null ? 'Make a generation to see how far your credits go.' : `About ${data.runway.generations} ${data.runway.generations === 1 ? 'generation' : 'generations'} left at your usual size.`}
              </p>
              <p className="muted" data-testid="home-next-expiry">
                {data.nextExpiry ? `${credits(data.nextExpiry.credits)} expire ${dateTime(data.nextExpiry.at)}.` : 'None of your credits expire soon.'}
              </p>
            </>
          )}
          <div className="row wrap align-start">
            <Link to="/premium/credits" className="button primary">
              Buy credits
            </Link>
            <DailyBonus />
          </div>
        </section>
        <section className="card stack" aria-labelledby="home-quick">
          <h2 id="home-quick">Quick generate</h2>
          <GenerationForm compact onStarted={(generation) => void navigate(`/generations/${encodeURIComponent(generation.id)}`)} />
        </section>
      </div>
      <section className="stack" aria-labelledby="home-recent">
        <div className="row spread">
          <h2 id="home-recent">Recent activity</h2>
          <Link to="/credits/history">All history</Link>
        </div>
        {recent.isPending && <Loading />}
        {recent.isError && <ErrorMessage error={recent.error} />}
        {recent.data && recent.data.items.length === 0 && <p className="empty">Nothing yet.</p>}
        {recent.data && recent.data.items.length > 0 && <HistoryTable items={recent.data.items} caption="Your five latest credit entries" />}
      </section>
    </Page>
  );
}
