import { useState, type FormEvent } from 'react';
import { JOURNAL_ENTRY_TYPES, type HistoryFilters } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { entryLabel } from '../../ui/format';
import { HistoryTable } from '../../ui/HistoryTable';
import { Page } from '../../ui/Page';
import { useHistory } from './api';

/** `yyyy-mm-dd` from a date input, as the start (or the end) of that local day in ISO form. */
function dayBoundary(day: string, end: boolean): string | undefined {
  if (!day) return undefined;
  const at = new Date(`${day}T00:00:00`);
  if (Number.isNaN(at.getTime())) return undefined;
  if (end) at.setDate(at.getDate() + 1);
  return at.toISOString();
}

export function HistoryPage() {
  const [type, setType] = useState('');
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const [filters, setFilters] = useState<HistoryFilters>({});
  const [rangeError, setRangeError] = useState<string | null>(null);
  const history = useHistory(filters);
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];

  function apply(event: FormEvent) {
    event.preventDefault();
    if (fromDay && toDay && fromDay > toDay) {
      setRangeError('The start date must be on or before the end date.');
      return;
    }
    setRangeError(null);
    setFilters({ types: type ? [type] : undefined, from: dayBoundary(fromDay, false), to: dayBoundary(toDay, true) });
  }

  return (
    <Page title="Credit history">
      <form className="card filters" onSubmit={apply} aria-label="Filter history">
        <div className="field">
          <label htmlFor="history-type">Type</label>
          <select id="history-type" data-testid="history-filter-type" value={type} onChange={(event) => setType(event.target.value)}>
            <option value="">All types</option>
            {JOURNAL_ENTRY_TYPES.map((value) => (
              <option key={value} value={value}>
                {entryLabel(value)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="history-from">From</label>
          <input id="history-from" type="date" value={fromDay} onChange={(event) => setFromDay(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="history-to">To</label>
          <input
            id="history-to"
            type="date"
            value={toDay}
            onChange={(event) => setToDay(event.target.value)}
            aria-invalid={rangeError ? true : undefined}
            aria-describedby={rangeError ? 'history-range-error' : undefined}
          />
        </div>
        <button type="submit" className="button">
          Apply filters
        </button>
        {rangeError && <ErrorMessage error={rangeError} id="history-range-error" />}
      </form>

      {history.isPending && <Loading />}
      {history.isError && <ErrorMessage error={history.error} />}
      {history.isSuccess && items.length === 0 && <p className="empty">No entries match these filters.</p>}
      {items.length > 0 && <HistoryTable items={items} caption="Credit history, newest first" />}
      {history.hasNextPage && (
        <div className="center">
          <button type="button" className="button" data-testid="history-load-more" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
            {history.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
      {history.isFetchNextPageError && <ErrorMessage error={history.error} />}
    </Page>
  );
}
