import { Link } from 'react-router';
import type { HistoryItem } from '../api/types';
import { date, dateTime, entryLabel, signed } from './format';

function Related({ item }: { item: HistoryItem }) {
  if (!item.relatedType || !item.relatedId) return <span className="muted">—</span>;
  if (item.relatedType === 'generation') return <Link to={`/generations/${encodeURIComponent(item.relatedId)}`}>Generation</Link>;
  if (item.relatedType === 'purchase') return <Link to={`/premium/credits/success?purchase=${encodeURIComponent(item.relatedId)}`}>Purchase</Link>;
  return <span className="muted">{item.relatedType.replace(/_/g, ' ')}</span>;
}

/** Ledger entries as a table; one row per entry with a stable test id. */
export function HistoryTable({ items, caption, showActor = false }: { items: HistoryItem[]; caption: string; showActor?: boolean }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Reason</th>
            <th scope="col">Related</th>
            <th scope="col" className="num">
              Balance after
            </th>
            <th scope="col">Expires</th>
            {showActor && <th scope="col">Actor</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const shown = item.type === 'reservation' || item.type === 'release' ? item.availableChange : item.amount;
            return (
              <tr key={item.id} data-testid="history-row" data-type={item.type}>
                <td className="nowrap">{dateTime(item.createdAt)}</td>
                <td>
                  <span className={`tag tag-${item.type}`}>{entryLabel(item.type)}</span>
                  {item.source && <span className="muted small"> · {item.source.replace(/_/g, ' ')}</span>}
                </td>
                <td className={`num ${shown > 0 ? 'positive' : shown < 0 ? 'negative' : ''}`} data-testid="history-amount">
                  {signed(shown)}
                  {shown !== item.amount && <span className="visually-hidden"> available</span>}
                </td>
                <td>{item.reason ?? <span className="muted">—</span>}</td>
                <td>
                  <Related item={item} />
                </td>
                <td className="num">{item.balanceAfter}</td>
                <td>{item.expiresAt ? date(item.expiresAt) : <span className="muted">—</span>}</td>
                {showActor && <td>{item.actor ?? <span className="muted">—</span>}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
