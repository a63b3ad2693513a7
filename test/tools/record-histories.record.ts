import request from 'supertest';
import { retryGenerationStepUpdate } from '../../workflows/generation/contract';
import { apiAs, flashcards } from '../support/api-client';
import { recordHistory } from '../support/histories';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';
import { triggerScheduleRuns } from '../support/schedules';

/**
 * Records the saga histories that test/integration/workflow-replay.test.ts replays. Run it with
 * `npm run histories:record` after an intended change to the workflow, and commit the result:
 * replaying old histories against new code is how a change that breaks running sagas fails CI.
 */
let harness: SagaHarness;

beforeAll(async () => {
  // Campaign pages of two users, so the recorded campaign run spans several pages.
  harness = await startSagaHarness({ env: { CAMPAIGN_PAGE_SIZE: '2' } });
});

afterAll(async () => {
  await harness?.close();
});

async function record(name: string, run: () => Promise<string>): Promise<void> {
  await recordHistory(harness, name, await run());
}

it('records one history per saga path', async () => {
  const user = apiAs(harness, 'history-recorder');
  const text = 'Photosynthesis turns light into chemical energy. Chlorophyll absorbs red and blue light.';
  await record('generation-succeeded', async () => (await user.createGeneration(flashcards(text, 10))).body.workflowId);
  await record('generation-short-capture', async () => (await user.createGeneration(flashcards(`[short:2] ${text}`, 10))).body.workflowId);
  await record('generation-flaky-then-succeeded', async () => (await user.createGeneration(flashcards(`[flaky:1] ${text}`, 5))).body.workflowId);
  await record('generation-rejected-prompt', async () => (await user.createGeneration(flashcards(`[fail] ${text}`, 5))).body.workflowId);
  await record('generation-cancelled', async () => {
    const created = await user.createGeneration(flashcards(`[slow:20000] ${text}`, 5));
    await user.waitForStatus(created.body.id, ['generating']);
    await user.cancelGeneration(created.body.id, 'recorded cancel');
    return created.body.workflowId;
  });
  await record('generation-operator-retried-then-cancelled', async () => {
    const created = await user.createGeneration(flashcards(`[slow:20000] ${text}`, 5));
    await user.waitForStatus(created.body.id, ['generating']);
    const handle = harness.temporal.workflow.getHandle(created.body.workflowId);
    await handle.executeUpdate(retryGenerationStepUpdate, { args: [{ actor: 'admin:recorder', reason: 'recorded retry' }] });
    await user.cancelGeneration(created.body.id, 'recorded cancel after retry');
    return created.body.workflowId;
  });
  await record('generation-insufficient-credits', async () => {
    const poor = apiAs(harness, 'history-recorder-poor');
    for (let i = 0; i < 3; i += 1) {
      const spent = await poor.createGeneration({ type: 'quiz', input: { text, count: 40 } });
      if (spent.status === 202) await poor.waitForStatus(spent.body.id, ['succeeded']);
    }
    const refused = await poor.createGeneration({ type: 'quiz', input: { text, count: 50 } });
    return `generation-${refused.body.error.generationId}`;
  });
});

it('records a campaign run granting over several pages', async () => {
  for (const userId of ['campaign-recorder-a', 'campaign-recorder-b', 'campaign-recorder-c']) await apiAs(harness, userId).credits();
  await record('campaign-run-granted', async () => {
    const created = await request(harness.app)
      .post('/admin/campaigns')
      .set('Authorization', `Bearer ${await harness.tokenFor('recorder-ops', 'admin')}`)
      .send({ name: 'Recorded promotion', amount: 2, segment: { kind: 'all_users' }, cron: '0 0 1 1 *' });
    const [workflowId] = await triggerScheduleRuns(harness.temporal, created.body.scheduleId);
    await harness.temporal.workflow.getHandle(workflowId!).result();
    await harness.temporal.schedule.getHandle(created.body.scheduleId).delete();
    return workflowId!;
  });
});
