import { useRef, useState, type FormEvent } from 'react';
import { newIdempotencyKey } from '../../api/client';
import { isApiError } from '../../api/errors';
import type { Campaign, CampaignSegment, CreateCampaignBody } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { date, dateTime } from '../../ui/format';
import { useCampaignAction, useCampaigns, useCreateCampaign } from './api';
import { ReasonAction } from './ReasonAction';

function describeSegment(segment: CampaignSegment): string {
  switch (segment.kind) {
    case 'all_users':
      return 'All users';
    case 'created_between':
      return `Joined ${date(segment.from)} – ${date(segment.to)}`;
    case 'below_credits':
      return `Under ${segment.credits} credits`;
    case 'user_ids':
      return `${segment.userIds.length} listed ${segment.userIds.length === 1 ? 'user' : 'users'}`;
  }
}

type SegmentKind = CampaignSegment['kind'];

function CreateCampaign() {
  const create = useCreateCampaign();
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [kind, setKind] = useState<SegmentKind>('all_users');
  const [belowCredits, setBelowCredits] = useState('10');
  const [userIds, setUserIds] = useState('');
  const [joinedFrom, setJoinedFrom] = useState('');
  const [joinedTo, setJoinedTo] = useState('');
  const [when, setWhen] = useState<'cron' | 'once'>('once');
  const [cron, setCron] = useState('0 9 * * 1');
  const [runAt, setRunAt] = useState('');
  const [lifetimeDays, setLifetimeDays] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const key = useRef<string | null>(null);

  function segment(next: Record<string, string>): CampaignSegment | null {
    if (kind === 'all_users') return { kind };
    if (kind === 'below_credits') {
      const credits = Number(belowCredits);
      if (!Number.isInteger(credits) || credits <= 0) next.segment = 'Enter a whole number of credits above 0.';
      return { kind, credits };
    }
    if (kind === 'user_ids') {
      const ids = userIds.split(/[\s,]+/).filter(Boolean);
      if (ids.length === 0) next.segment = 'List at least one user id.';
      return { kind, userIds: ids };
    }
    if (!joinedFrom || !joinedTo || joinedFrom >= joinedTo) next.segment = 'Give a start date before the end date.';
    return { kind, from: new Date(`${joinedFrom}T00:00:00`).toISOString(), to: new Date(`${joinedTo}T00:00:00`).toISOString() };
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (name.trim().length < 3) next.name = 'Name it in at least 3 characters.';
    const credits = Number(amount);
    if (!Number.isInteger(credits) || credits <= 0) next.amount = 'Enter a whole number of credits above 0.';
    const seg = segment(next);
    if (when === 'cron' && !/^\S+(\s+\S+){4,6}$/.test(cron.trim())) next.cron = 'A cron spec has 5 to 7 fields, e.g. 0 9 * * 1.';
    if (when === 'once' && (!runAt || new Date(runAt) <= new Date())) next.runAt = 'Choose a time in the future.';
    const lifetime = lifetimeDays ? Number(lifetimeDays) : undefined;
    if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime <= 0)) next.lifetime = 'Enter a whole number of days, or leave it empty.';
    setErrors(next);
    if (Object.keys(next).length > 0 || !seg) return;
    key.current ??= newIdempotencyKey();
    const body: CreateCampaignBody = {
      name: name.trim(),
      amount: credits,
      segment: seg,
      ...(when === 'cron' ? { cron: cron.trim() } : { runAt: new Date(runAt).toISOString() }),
      ...(lifetime !== undefined ? { creditLifetimeDays: lifetime } : {}),
    };
    create.mutate(
      { body, idempotencyKey: key.current },
      {
        onSuccess: () => {
          key.current = null;
          setName('');
          setAmount('');
        },
        onError: () => {
          key.current = null;
        },
      },
    );
  }

  const apiFields = isApiError(create.error, 'VALIDATION_FAILED') ? create.error.fieldErrors() : {};
  const error = (field: string) => errors[field] ?? apiFields[field] ?? null;

  return (
    <details className="card">
      <summary>New campaign</summary>
      <form className="stack" onSubmit={submit} noValidate aria-label="New campaign">
        <div className="row wrap">
          <Field label="Name" error={error('name')}>
            <input value={name} onChange={(event) => setName(event.target.value)} />
          </Field>
          <Field label="Credits per user" error={error('amount')}>
            <input type="number" min={1} value={amount} onChange={(event) => setAmount(event.target.value)} className="input-short" />
          </Field>
          <Field label="Credits expire after (days, optional)" error={error('lifetime') ?? error('creditLifetimeDays')}>
            <input type="number" min={1} value={lifetimeDays} onChange={(event) => setLifetimeDays(event.target.value)} className="input-short" />
          </Field>
        </div>
        <div className="row wrap">
          <Field label="Who gets it" error={error('segment')}>
            <select value={kind} onChange={(event) => setKind(event.target.value as SegmentKind)}>
              <option value="all_users">All users</option>
              <option value="below_credits">Users under a number of credits</option>
              <option value="created_between">Users who joined between two dates</option>
              <option value="user_ids">A list of users</option>
            </select>
          </Field>
          {kind === 'below_credits' && (
            <Field label="Under how many credits">
              <input type="number" min={1} value={belowCredits} onChange={(event) => setBelowCredits(event.target.value)} className="input-short" />
            </Field>
          )}
          {kind === 'created_between' && (
            <>
              <Field label="Joined from">
                <input type="date" value={joinedFrom} onChange={(event) => setJoinedFrom(event.target.value)} />
              </Field>
              <Field label="Joined before">
                <input type="date" value={joinedTo} onChange={(event) => setJoinedTo(event.target.value)} />
              </Field>
            </>
          )}
          {kind === 'user_ids' && (
            <Field label="User ids (comma or space separated)">
              <textarea rows={2} value={userIds} onChange={(event) => setUserIds(event.target.value)} />
            </Field>
          )}
        </div>
        <fieldset className="segmented">
          <legend>When</legend>
          <label className={when === 'once' ? 'selected' : undefined}>
            <input type="radio" name="campaign-when" checked={when === 'once'} onChange={() => setWhen('once')} /> Once
          </label>
          <label className={when === 'cron' ? 'selected' : undefined}>
            <input type="radio" name="campaign-when" checked={when === 'cron'} onChange={() => setWhen('cron')} /> On a schedule
          </label>
        </fieldset>
        {when === 'once' ? (
          <Field label="Run at" error={error('runAt')}>
            <input type="datetime-local" value={runAt} onChange={(event) => setRunAt(event.target.value)} />
          </Field>
        ) : (
          <Field label="Cron spec (UTC)" hint="minute hour day month weekday, e.g. 0 9 * * 1 for Mondays at 09:00" error={error('cron')}>
            <input value={cron} onChange={(event) => setCron(event.target.value)} />
          </Field>
        )}
        {create.isError && Object.keys(apiFields).length === 0 && <ErrorMessage error={create.error} />}
        {create.isSuccess && (
          <p role="status" className="positive">
            Campaign “{create.data.name}” created.
          </p>
        )}
        <div>
          <button type="submit" className="button primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create campaign'}
          </button>
        </div>
      </form>
    </details>
  );
}

function CampaignRow({ campaign }: { campaign: Campaign }) {
  const action = useCampaignAction();
  const run = (kind: 'pause' | 'resume' | 'delete') => (reason: string) => action.mutate({ id: campaign.id, action: kind, reason });
  return (
    <tr>
      <td>
        <strong>{campaign.name}</strong>
        <div className="muted small">by {campaign.createdBy}</div>
      </td>
      <td className="num">{campaign.amount}</td>
      <td>{describeSegment(campaign.segment)}</td>
      <td>{campaign.cron ? <code>{campaign.cron}</code> : dateTime(campaign.runAt)}</td>
      <td>
        <span className={`tag tag-${campaign.status}`}>{campaign.status}</span>
      </td>
      <td>
        <a href={campaign.scheduleUrl} target="_blank" rel="noreferrer">
          Schedule<span className="visually-hidden"> of {campaign.name} in the Temporal Web UI (opens in a new tab)</span>
        </a>
      </td>
      <td>
        <div className="row wrap">
          {campaign.status === 'active' && <ReasonAction label="Pause" confirmLabel="Pause campaign" onConfirm={run('pause')} pending={action.isPending} />}
          {campaign.status === 'paused' && <ReasonAction label="Resume" confirmLabel="Resume campaign" onConfirm={run('resume')} pending={action.isPending} />}
          {campaign.status !== 'deleted' && <ReasonAction label="Delete" confirmLabel="Delete campaign" onConfirm={run('delete')} pending={action.isPending} danger />}
        </div>
        <ErrorMessage error={action.error} />
      </td>
    </tr>
  );
}

export function Campaigns() {
  const campaigns = useCampaigns();
  return (
    <section className="stack" aria-labelledby="admin-campaigns">
      <h2 id="admin-campaigns">Campaigns</h2>
      <CreateCampaign />
      {campaigns.isPending && <Loading />}
      {campaigns.isError && <ErrorMessage error={campaigns.error} />}
      {campaigns.data && campaigns.data.items.length === 0 && <p className="empty">No campaigns yet.</p>}
      {campaigns.data && campaigns.data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Campaigns, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" className="num">
                  Credits
                </th>
                <th scope="col">Who</th>
                <th scope="col">When</th>
                <th scope="col">Status</th>
                <th scope="col">Web UI</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.data.items.map((campaign) => (
                <CampaignRow key={campaign.id} campaign={campaign} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
