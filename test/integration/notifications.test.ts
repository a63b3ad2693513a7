import request from 'supertest';
import { apiAs, flashcards } from '../support/api-client';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness();
});

afterAll(async () => {
  await harness?.close();
});

async function adjust(userId: string, amount: number) {
  const response = await request(harness.app)
    .post(`/admin/users/${userId}/credit-adjustments`)
    .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
    .send({ amount, reason: 'notification test' });
  expect(response.status).toBe(201);
}

async function notifications(userId: string, query = '') {
  const response = await request(harness.app).get(`/users/me/notifications${query}`).set('Authorization', `Bearer ${await harness.tokenFor(userId)}`);
  expect(response.status).toBe(200);
  // These tests are about the notification threshold (5); the banner's warning at 10 has its own tests (promotions.test.ts).
  return (response.body.items as Array<{ id: string; kind: string; payload: Record<string, number>; readAt: string | null }>).filter((item) => !item.kind.startsWith('low_credit_warning'));
}

describe('low-credit notifications', () => {
  it('notifies once per crossing below the threshold, and once when the balance recovers', async () => {
    const userId = `low-${process.pid}`;
    const user = apiAs(harness, userId);
    await adjust((await user.credits(), userId), -44); // 6 left: above the threshold of 5
    expect(await notifications(userId)).toEqual([]);

    const spent = await user.createGeneration(flashcards('Two credits of cards.', 10)); // a capture takes it to 4
    await user.waitForStatus(spent.body.id, ['succeeded']);
    await adjust(userId, -1); // 3: still below, no second notification
    let items = await notifications(userId);
    expect(items.map((item) => item.kind)).toEqual(['low_credit']);
    expect(items[0]!.payload).toMatchObject({ balance: 4, threshold: 5 });

    await adjust(userId, 10); // 13: recovered
    await adjust(userId, -9); // 4: below again, a new crossing
    items = await notifications(userId);
    expect(items.map((item) => item.kind)).toEqual(['low_credit', 'low_credit_resolved', 'low_credit']);
    expect((await user.credits()).body).toMatchObject({ balance: 4, lowCredit: true });
  });

  it('does not alert on a hold that is refunded', async () => {
    const userId = `low-hold-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits();
    await adjust(userId, -44);
    const failed = await user.createGeneration(flashcards('[fail] Refunded.', 10));
    await user.waitForStatus(failed.body.id, ['failed']);
    expect(await notifications(userId)).toEqual([]);
  });

  it('marks a notification read, only for its owner', async () => {
    const userId = `low-read-${process.pid}`;
    const user = apiAs(harness, userId);
    await user.credits();
    await adjust(userId, -46);
    const [notification] = await notifications(userId);
    const stranger = await request(harness.app).post(`/users/me/notifications/${notification!.id}/read`).set('Authorization', `Bearer ${await harness.tokenFor('someone-else')}`);
    expect(stranger.status).toBe(404);
    const read = await request(harness.app).post(`/users/me/notifications/${notification!.id}/read`).set('Authorization', `Bearer ${await harness.tokenFor(userId)}`);
    expect(read.body).toMatchObject({ id: notification!.id, changed: true });
    expect(await notifications(userId, '?unread=true')).toEqual([]);
    const bad = await request(harness.app).post('/users/me/notifications/not-a-uuid/read').set('Authorization', `Bearer ${await harness.tokenFor(userId)}`);
    expect(bad.status).toBe(400);
  });
});
