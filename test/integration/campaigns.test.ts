import { ScheduleNotFoundError } from '@temporalio/client';
import request from 'supertest';
import { restoreCampaignSchedules } from '../../orchestration/campaign-admin';
import { backfillPage } from '../../domain/backfill/backfill-page';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import type { CampaignGrantResult } from '../../workflows/campaign/contract';
import { apiAs } from '../support/api-client';
import { startSagaHarness, waitFor, type SagaHarness } from '../support/saga-harness';
import { triggerScheduleRuns } from '../support/schedules';
import { WorkerProcess } from '../support/worker-process';

const SEGMENT_USERS = 10_000;
// Seeded users were created on this day; the crash test's campaign targets exactly them.
const SEEDED_ON = new Date('2020-01-01T12:00:00Z');
let harness: SagaHarness;
let worker: WorkerProcess;
const createdScheduleIds: string[] = [];

beforeAll(async () => {
  // Small pages: the 10,000-user campaign spans 200 transactions, long enough to kill the worker midway.
  harness = await startSagaHarness({ inProcessWorker: false, env: { CAMPAIGN_PAGE_SIZE: '50' } });
  worker = await WorkerProcess.forHarness(harness);
  await worker.start();
});

afterAll(async () => {
  await Promise.allSettled(createdScheduleIds.map((id) => harness.temporal.schedule.getHandle(id).delete()));
  await worker?.stop();
  await harness?.close();
});

async function asAdmin(method: 'get' | 'post' | 'delete', path: string, body?: object, idempotencyKey?: string) {
  let call = request(harness.app)[method](path).set('Authorization', `Bearer ${await harness.tokenFor('promo-ops', 'admin')}`);
  if (idempotencyKey) call = call.set('Idempotency-Key', idempotencyKey);
  return body ? call.send(body) : call;
}

async function createCampaign(body: object, idempotencyKey?: string) {
  const response = await asAdmin('post', '/admin/campaigns', body, idempotencyKey);
  if (response.status === 201) createdScheduleIds.push(response.body.scheduleId);
  return response;
}

function triggerRuns(scheduleId: string, times = 1): Promise<string[]> {
  return triggerScheduleRuns(harness.temporal, scheduleId, times);
}

async function runResult(workflowId: string): Promise<CampaignGrantResult> {
  return harness.temporal.workflow.getHandle(workflowId).result();
}

async function seedUsers(count: number): Promise<void> {
  await harness.prisma.$executeRaw`
    INSERT INTO users (id, created_at) SELECT 'seeded-' || lpad(g::text, 5, '0'), ${SEEDED_ON} FROM generate_series(1, ${count}) g`;
  // Their accounts open as existing users' do: the backfill's migration grant of 50.
  let afterUserId: string | null = null;
  for (;;) {
    const page = await backfillPage(harness.prisma, { afterUserId, pageSize: 5_000, grantCredits: 50, backfillId: 'campaign-test-seed', at: new Date() });
    if (page.scannedUsers === 0) break;
    afterUserId = page.lastUserId;
  }
}

describe('promotional campaigns', () => {
  it('grants a one-off campaign to every one of 10,000 users exactly once, through a worker crash', async () => {
    await seedUsers(SEGMENT_USERS);
    const created = await createCampaign({
      name: 'Exam season boost',
      amount: 5,
      creditLifetimeDays: 30,
      segment: { kind: 'created_between', from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' },
      runAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'active', amount: 5, cron: null });
    const campaignId: string = created.body.id;

    const [workflowId] = await triggerRuns(created.body.scheduleId);
    await waitFor(() => harness.prisma.campaignRun.findFirst({ where: { campaignId } }), (run) => (run?.grantedUsers ?? 0) > 0, { what: 'the campaign to be granting', intervalMs: 20 });
    await worker.kill();
    const midway = await harness.prisma.creditLot.count({ where: { source: 'promotion', relatedId: campaignId } });
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(SEGMENT_USERS);

    await worker.start();
    const result = await runResult(workflowId!);
    expect(result).toMatchObject({ outcome: 'granted', grantedUsers: SEGMENT_USERS, grantedCredits: SEGMENT_USERS * 5, cappedUsers: 0 });

    const perUser = await harness.prisma.$queryRaw<Array<{ users: number; lots: number; min_lots: number; max_lots: number }>>`
      SELECT COUNT(*)::int AS users, SUM(lots)::int AS lots, MIN(lots)::int AS min_lots, MAX(lots)::int AS max_lots FROM (
        SELECT a.user_id, COUNT(l.id) AS lots FROM credit_accounts a
        LEFT JOIN credit_lots l ON l.account_id = a.id AND l.source = 'promotion' AND l.related_id = ${campaignId}
        WHERE a.user_id LIKE 'seeded-%' GROUP BY a.user_id) per_user`;
    expect(perUser[0]).toEqual({ users: SEGMENT_USERS, lots: SEGMENT_USERS, min_lots: 1, max_lots: 1 });
    expect(await harness.prisma.creditAccount.count({ where: { userId: { startsWith: 'seeded-' }, balanceCredits: { not: 55 } } })).toBe(0);
    const lot = await harness.prisma.creditLot.findFirstOrThrow({ where: { relatedId: campaignId } });
    expect(lot.expiresAt!.getTime() - lot.createdAt.getTime()).toBeLessThanOrEqual(30 * 24 * 3600 * 1000);

    const history = await apiAs(harness, 'seeded-00042').history();
    expect(history.body.items[0]).toMatchObject({ type: 'grant', amount: 5, reason: 'Promotion: Exam season boost', balanceAfter: 55 });

    // Spent: the campaign is completed, and triggering its Schedule again grants nothing.
    const detail = await asAdmin('get', `/admin/campaigns/${campaignId}`);
    expect(detail.body).toMatchObject({ status: 'completed', runs: [{ grantedUsers: SEGMENT_USERS, grantedCredits: SEGMENT_USERS * 5 }] });
    const [again] = await triggerRuns(created.body.scheduleId);
    expect(await runResult(again!)).toEqual({ outcome: 'skipped', campaignStatus: 'completed' });
    expect(await harness.prisma.creditLot.count({ where: { source: 'promotion', relatedId: campaignId } })).toBe(SEGMENT_USERS);
    expect(await verifyLedger(harness.prisma)).toEqual([]);
  });

  it('grants a recurring campaign on each run to the users below a balance, up to the cap', async () => {
    const [rich, poor, nearCap] = ['promo-rich', 'promo-poor', 'promo-near-cap'];
    for (const userId of [rich, poor, nearCap]) await apiAs(harness, userId).credits();
    expect((await asAdmin('post', `/admin/users/${poor}/credit-adjustments`, { amount: -47, reason: 'spent elsewhere' })).status).toBe(201);
    expect((await asAdmin('post', `/admin/users/${nearCap}/credit-adjustments`, { amount: -45, reason: 'spent elsewhere' })).status).toBe(201);
    // This account's own cap is 7: the campaign's 5 fit only as 2.
    await harness.prisma.creditAccount.update({ where: { userId: nearCap }, data: { maxBalanceCredits: 7 } });

    const created = await createCampaign({
      name: 'Top-up Tuesday',
      amount: 5,
      segment: { kind: 'below_credits', credits: 10 },
      cron: '0 9 * * TUE',
    });
    expect(created.status).toBe(201);
    const runs = await triggerRuns(created.body.scheduleId, 2);
    const results = await Promise.all(runs.map(runResult));
    // The seeded users hold 55 and the rich user 50: only the two low balances are in the segment.
    expect(results.map((result) => result.outcome === 'skipped' ? null : [result.grantedUsers, result.grantedCredits, result.cappedUsers])).toEqual([[2, 7, 1], [1, 5, 1]]);

    expect((await apiAs(harness, poor).credits()).body.balance).toBe(13);
    expect((await apiAs(harness, rich).credits()).body.balance).toBe(50);
    const capped = await harness.prisma.journalEntry.findFirstOrThrow({ where: { account: { userId: nearCap }, type: 'grant', actor: 'system:campaign' } });
    expect(capped).toMatchObject({ amountCredits: 2, balanceAfterCredits: 7 });
    expect(capped.metadata).toMatchObject({ requestedCredits: 5, cappedAtCredits: 7, campaignId: created.body.id });
    expect((await asAdmin('get', `/admin/campaigns/${created.body.id}`)).body.nextRunsAt[0]).toMatch(/T09:00:00/);
  });

  it('pauses, resumes and deletes the campaign and its Schedule together, with an audit trail', async () => {
    const created = await createCampaign({ name: 'Weekend streak', amount: 3, segment: { kind: 'user_ids', userIds: ['promo-rich'] }, cron: '0 8 * * SAT' });
    const id: string = created.body.id;
    const schedule = harness.temporal.schedule.getHandle(created.body.scheduleId);

    const paused = await asAdmin('post', `/admin/campaigns/${id}/pause`, { reason: 'budget review' });
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect((await schedule.describe()).state).toMatchObject({ paused: true });
    // A paused campaign grants nothing even when its Schedule is triggered by hand.
    const [pausedRun] = await triggerRuns(created.body.scheduleId);
    expect(await runResult(pausedRun!)).toEqual({ outcome: 'skipped', campaignStatus: 'paused' });

    expect((await asAdmin('post', `/admin/campaigns/${id}/resume`, { reason: 'approved' })).body.status).toBe('active');
    expect((await schedule.describe()).state).toMatchObject({ paused: false });

    const deleted = await asAdmin('delete', `/admin/campaigns/${id}`, { reason: 'season over' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe('deleted');
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await asAdmin('delete', `/admin/campaigns/${id}`, { reason: 'again' })).status).toBe(200);
    const refused = await asAdmin('post', `/admin/campaigns/${id}/resume`, { reason: 'oops' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('CAMPAIGN_STATE_CONFLICT');

    const audit = await harness.prisma.operatorAuditEntry.findMany({ where: { targetType: 'campaign', targetId: id }, orderBy: { id: 'asc' } });
    expect(audit.map((entry) => [entry.action, entry.outcome, entry.actor])).toEqual([
      ['campaign.create', 'accepted', 'admin:promo-ops'],
      ['campaign.pause', 'accepted', 'admin:promo-ops'],
      ['campaign.resume', 'accepted', 'admin:promo-ops'],
      ['campaign.delete', 'accepted', 'admin:promo-ops'],
      ['campaign.resume', 'refused', 'admin:promo-ops'],
    ]);
    expect(await harness.prisma.creditLot.count({ where: { relatedId: id } })).toBe(0);
  });

  it('gives live campaigns whose Schedule went missing their Schedule back, paused if they are', async () => {
    const running = await createCampaign({ name: 'Lost schedule', amount: 1, segment: { kind: 'user_ids', userIds: ['promo-rich'] }, cron: '0 7 * * *' });
    const resting = await createCampaign({ name: 'Lost paused schedule', amount: 1, segment: { kind: 'user_ids', userIds: ['promo-rich'] }, cron: '0 7 * * *' });
    expect((await asAdmin('post', `/admin/campaigns/${resting.body.id}/pause`, { reason: 'later' })).status).toBe(200);
    // Someone deletes both Schedules by hand in the Web UI.
    for (const { body } of [running, resting]) await harness.temporal.schedule.getHandle(body.scheduleId).delete();

    const deps = { prisma: harness.prisma, temporal: harness.temporal, config: harness.config };
    const restored = await restoreCampaignSchedules(deps, new Date());
    expect(restored.sort()).toEqual([running.body.scheduleId, resting.body.scheduleId].sort());
    expect((await harness.temporal.schedule.getHandle(running.body.scheduleId).describe()).state.paused).toBe(false);
    expect((await harness.temporal.schedule.getHandle(resting.body.scheduleId).describe()).state.paused).toBe(true);
    expect(await restoreCampaignSchedules(deps, new Date())).toEqual([]);
  });

  it('creates one campaign per Idempotency-Key and refuses the key with another body', async () => {
    const body = { name: 'Double click', amount: 4, segment: { kind: 'all_users' }, cron: '0 0 1 1 *' };
    const first = await createCampaign(body, 'campaign-key-1');
    const second = await createCampaign(body, 'campaign-key-1');
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    const reused = await createCampaign({ ...body, amount: 40 }, 'campaign-key-1');
    expect(reused.status).toBe(422);
    expect(await harness.prisma.campaign.count({ where: { name: 'Double click' } })).toBe(1);
  });

  it('refuses malformed campaigns with 400 and leaves no campaign or Schedule behind', async () => {
    const base = { name: 'Broken', amount: 5, segment: { kind: 'all_users' } };
    const cases: object[] = [
      { ...base },
      { ...base, cron: '0 9 * * *', runAt: new Date(Date.now() + 60_000).toISOString() },
      { ...base, runAt: new Date(Date.now() - 60_000).toISOString() },
      { ...base, cron: 'every day at nine' },
      { ...base, cron: '0 99 * * *' },
      { ...base, amount: 0, cron: '0 9 * * *' },
      { ...base, segment: { kind: 'vip' }, cron: '0 9 * * *' },
      { ...base, segment: { kind: 'created_between', from: '2021-01-01', to: '2020-01-01' }, cron: '0 9 * * *' },
      { ...base, cron: '0 9 * * *', creditLifetimeDays: 10, creditsExpireAt: '2030-01-01T00:00:00Z' },
      { ...base, cron: '0 9 * * *', bonus: true },
    ];
    for (const body of cases) {
      const response = await createCampaign(body);
      expect([JSON.stringify(body), response.status, response.body.error?.code]).toEqual([JSON.stringify(body), 400, 'VALIDATION_FAILED']);
    }
    expect(await harness.prisma.campaign.count({ where: { name: 'Broken' } })).toBe(0);
    const forbidden = await request(harness.app).post('/admin/campaigns').set('Authorization', `Bearer ${await harness.tokenFor('promo-user')}`).send({ ...base, cron: '0 9 * * *' });
    expect(forbidden.status).toBe(403);
  });
});
