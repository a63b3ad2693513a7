import { useState } from 'react';
import type { GenerationStatus, Saga, SagaFilters } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { dateTime } from '../../ui/format';
import { useSagaAction, useSagas } from './api';
import { ReasonAction } from './ReasonAction';

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function SagaRow({ saga }: { saga: Saga }) {
  const action = useSagaAction();
  const open = saga.executionStatus === 'Running';
  return (
    <tr className={saga.stuck ? 'row-stuck' : undefined}>
      <td>
        <a href={saga.webUiUrl} target="_blank" rel="noreferrer">
          <code>{saga.workflowId}</code>
          <span className="visually-hidden"> in the Temporal Web UI (opens in a new tab)</span>
        </a>
      </td>
      <td>{saga.userId ?? '—'}</td>
      <td>
        {saga.status ?? '—'} {saga.stuck && <span className="tag tag-stuck">stuck</span>}
        <div className="muted small">{saga.executionStatus}</div>
      </td>
      <td className="num">{saga.costCredits ?? '—'}</td>
      <td>
        {duration(saga.secondsInStep)}
        <div className="muted small">since {dateTime(saga.stepEnteredAt)}</div>
      </td>
      <td>
        {open && (
          <div className="row wrap">
            {saga.status === 'generating' && <ReasonAction label="Retry step" confirmLabel="Retry the generate step" onConfirm={(reason) => action.mutate({ workflowId: saga.workflowId, action: 'retry-step', reason })} pending={action.isPending} />}
            <ReasonAction label="Cancel" confirmLabel="Cancel and refund" onConfirm={(reason) => action.mutate({ workflowId: saga.workflowId, action: 'cancel', reason })} pending={action.isPending} danger />
          </div>
        )}
        {action.isSuccess && (
          <p role="status" className="positive small">
            {action.data.action} accepted; now {action.data.status}.
          </p>
        )}
        <ErrorMessage error={action.error} />
      </td>
    </tr>
  );
}

const STATUSES: GenerationStatus[] = ['pending', 'generating', 'succeeded', 'failed', 'cancelled'];

export function Sagas() {
  const [filters, setFilters] = useState<SagaFilters>({ stuck: true });
  const sagas = useSagas(filters);
  return (
    <section className="stack" aria-labelledby="admin-sagas">
      <h2 id="admin-sagas">Sagas: generations and purchases</h2>
      <div className="card row wrap align-end" role="group" aria-label="Saga filters">
        <div className="checkbox">
          <input id="saga-stuck" type="checkbox" checked={filters.stuck ?? false} onChange={(event) => setFilters({ ...filters, stuck: event.target.checked })} />
          <label htmlFor="saga-stuck">Stuck only</label>
        </div>
        <div className="field">
          <label htmlFor="saga-status">Status</label>
          <select id="saga-status" value={filters.status ?? ''} onChange={(event) => setFilters({ ...filters, status: (event.target.value || undefined) as GenerationStatus | undefined })}>
            <option value="">Any</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="saga-user">User id</label>
          <input id="saga-user" defaultValue={filters.userId ?? ''} onBlur={(event) => setFilters({ ...filters, userId: event.target.value.trim() || undefined })} />
        </div>
        <button type="button" className="button" onClick={() => void sagas.refetch()}>
          Refresh
        </button>
      </div>
      {sagas.isPending && <Loading />}
      {sagas.isError && <ErrorMessage error={sagas.error} />}
      {sagas.data && (
        <>
          <p className="muted small">
            Web UI query: <code>{sagas.data.visibilityQuery}</code>
          </p>
          {sagas.data.items.length === 0 ? (
            <p className="empty">No sagas match.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Sagas: generations and purchases</caption>
                <thead>
                  <tr>
                    <th scope="col">Workflow</th>
                    <th scope="col">User</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Cost
                    </th>
                    <th scope="col">In step</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {sagas.data.items.map((saga) => (
                    <SagaRow key={saga.workflowId} saga={saga} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
