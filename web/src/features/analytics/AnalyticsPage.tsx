import { useState } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AnalyticsBucket, CreditAnalytics } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits, date, percent } from '../../ui/format';
import { Page } from '../../ui/Page';
import { useAnalytics } from '../credits/api';

const BUCKETS: { value: AnalyticsBucket; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
];

function label(start: string, bucket: AnalyticsBucket): string {
  const at = new Date(start);
  if (bucket === 'month') return at.toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });
  return at.toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

function SpendingChart({ data }: { data: CreditAnalytics }) {
  const rows = data.buckets.map((bucket) => ({ name: label(bucket.start, data.bucket), Spent: bucket.spent, Granted: bucket.granted, Expired: bucket.expired }));
  const total = data.buckets.reduce((sum, bucket) => sum + bucket.spent, 0);
  return (
    <figure className="chart" aria-labelledby="spend-caption">
      <div className="chart-box" role="img" aria-label={`Line chart of credits spent per ${data.bucket}: ${total} in total over the period.`}>
        <ResponsiveContainer width="100%" height={280}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid stroke="#e3e6ee" strokeDasharray="3 3" />
            <XAxis dataKey="name" tick={{ fill: '#4a5163', fontSize: 12 }} />
            <YAxis allowDecimals={false} tick={{ fill: '#4a5163', fontSize: 12 }} />
            <Tooltip />
            <Legend />
            <Line type="monotone" dataKey="Spent" stroke="#4338ca" strokeWidth={2} dot={false} />
            <Line type="monotone" dataKey="Granted" stroke="#047857" strokeWidth={2} dot={false} />
            <Line type="monotone" dataKey="Expired" stroke="#b45309" strokeWidth={2} dot={false} strokeDasharray="4 3" />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <figcaption id="spend-caption">
        Spending over time, per {data.bucket}, {date(data.from)} to {date(data.to)}.
      </figcaption>
    </figure>
  );
}

function ByOperation({ data }: { data: CreditAnalytics }) {
  if (data.spendByOperation.length === 0) return <p className="empty">No generations in this period.</p>;
  const rows = data.spendByOperation.map((row) => ({ name: row.type === 'quiz' ? 'Quiz' : row.type === 'flashcards' ? 'Flashcards' : row.type, Spent: row.spent, Generations: row.generations }));
  return (
    <>
      <div className="chart-box" role="img" aria-label={`Bar chart of credits spent by type: ${rows.map((row) => `${row.name} ${row.Spent}`).join(', ')}.`}>
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
            <CartesianGrid stroke="#e3e6ee" strokeDasharray="3 3" />
            <XAxis dataKey="name" tick={{ fill: '#4a5163', fontSize: 12 }} />
            <YAxis allowDecimals={false} tick={{ fill: '#4a5163', fontSize: 12 }} />
            <Tooltip />
            <Bar dataKey="Spent" fill="#4338ca" radius={[4, 4, 0, 0]} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table>
        <caption className="visually-hidden">Spend by operation type</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Generations
            </th>
            <th scope="col" className="num">
              Credits spent
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name}>
              <td>{row.name}</td>
              <td className="num">{row.Generations}</td>
              <td className="num">{row.Spent}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function AnalyticsPage() {
  const [bucket, setBucket] = useState<AnalyticsBucket>('day');
  const analytics = useAnalytics(bucket);
  const data = analytics.data;
  return (
    <Page
      title="Credit analytics"
      actions={
        <div className="field inline">
          <label htmlFor="analytics-bucket">Group by</label>
          <select id="analytics-bucket" value={bucket} onChange={(event) => setBucket(event.target.value as AnalyticsBucket)} data-testid="analytics-bucket">
            {BUCKETS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      }
    >
      {analytics.isPending && <Loading />}
      {analytics.isError && <ErrorMessage error={analytics.error} />}
      {data && (
        <>
          <div className="stats">
            <div className="card stat">
              <p className="stat-label">Spent in this period</p>
              <p className="stat-value">{data.buckets.reduce((sum, row) => sum + row.spent, 0)}</p>
            </div>
            <div className="card stat">
              <p className="stat-label">Average per generation</p>
              <p className="stat-value" data-testid="analytics-average">
                {data.averageCostPerGeneration === null ? '—' : data.averageCostPerGeneration.toFixed(1)}
              </p>
            </div>
            <div className="card stat">
              <p className="stat-label">Refund rate</p>
              <p className="stat-value" data-testid="analytics-refund-rate">
                {percent(data.refundRate)}
              </p>
            </div>
          </div>
          <section className="card" aria-labelledby="analytics-spend">
            <h2 id="analytics-spend">Spending over time</h2>
            <SpendingChart data={data} />
          </section>
          <div className="grid two">
            <section className="card stack" aria-labelledby="analytics-by-type">
              <h2 id="analytics-by-type">By operation type</h2>
              <ByOperation data={data} />
            </section>
            <section className="card stack" aria-labelledby="analytics-expensive">
              <h2 id="analytics-expensive">Most expensive generations</h2>
              {data.mostExpensiveGenerations.length === 0 ? (
                <p className="empty">None yet.</p>
              ) : (
                <ol className="plain-list">
                  {data.mostExpensiveGenerations.map((generation) => (
                    <li key={generation.id}>
                      <Link to={`/generations/${encodeURIComponent(generation.id)}`}>
                        {generation.producedCount ?? '?'} {generation.type === 'quiz' ? 'quiz questions' : 'flashcards'}
                      </Link>{' '}
                      — {credits(generation.cost)} <span className="muted small">· {date(generation.createdAt)}</span>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </div>
        </>
      )}
    </Page>
  );
}
