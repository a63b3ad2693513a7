import request from 'supertest';
import type { Clock } from '../../platform/clock';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

let now = new Date('2026-03-01T10:00:00Z');
const clock: Clock = { now: () => now };
let harness: SagaHarness;

beforeAll(async () => {
  harness = await startSagaHarness({ clock, env: { MAX_BALANCE: '70' } });
});

afterAll(async () => {
  await harness?.close();
});

async function claim(userId: string) {
  return request(harness.app).post('/users/me/daily-bonus').set('Authorization', `Bearer ${await harness.tokenFor(userId)}`).send();
}

async function balance(userId: string): Promise<number> {
  return (await request(harness.app).get('/users/me/credits').set('Authorization', `Bearer ${await harness.tokenFor(userId)}`)).body.balance;
}

describe('daily login bonus', () => {
  it('grants once per UTC day, counts the streak, doubles every seventh day and restarts after a gap', async () => {
    const userId = `bonus-${process.pid}`;
    now = new Date('2026-03-01T10:00:00Z');
    const grants: Array<[number, number]> = [];
    for (let day = 0; day < 8; day += 1) {
      now = new Date(Date.UTC(2026, 2, 1 + day, 23, 59));
      const claimed = await claim(userId);
      expect(claimed.status).toBe(201);
      grants.push([claimed.body.streakDays, claimed.body.granted]);
    }
    expect(grants).toEqual([[1, 2], [2, 2], [3, 2], [4, 2], [5, 2], [6, 2], [7, 4], [8, 2]]);

    const again = await claim(userId);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'DAILY_BONUS_ALREADY_CLAIMED', nextEligibleAt: '2026-03-09T00:00:00.000Z', streakDays: 8 });

    now = new Date('2026-03-11T08:00:00Z'); // missed the 9th and 10th
    const afterGap = await claim(userId);
    expect(afterGap.body).toMatchObject({ streakDays: 1, granted: 2 });
    expect(await balance(userId)).toBe(50 + 7 * 2 + 4 + 2);

    const entry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `daily-bonus:${userId}:2026-03-07` } });
    expect(entry.metadata).toMatchObject({ streakDays: 7, day: '2026-03-07', source: 'daily_bonus' });
  });

  it('grants one bonus when many claims race on the same day', async () => {
    const userId = `bonus-race-${process.pid}`;
    now = new Date('2026-04-01T12:00:00Z');
    await balance(userId);
    const results = await Promise.all(Array.from({ length: 6 }, () => claim(userId)));
    expect(results.map((result) => result.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await balance(userId)).toBe(52);
  });

  it('grants up to the balance cap and journals the capped amount', async () => {
    const userId = `bonus-cap-${process.pid}`;
    now = new Date('2026-05-01T12:00:00Z');
    await balance(userId);
    await request(harness.app).post(`/admin/users/${userId}/credit-adjustments`).set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`).send({ amount: 19, reason: 'near the cap' });
    const claimed = await claim(userId);
    expect(claimed.body).toMatchObject({ granted: 1, requested: 2 });
    expect(await balance(userId)).toBe(70);
    const entry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `daily-bonus:${userId}:2026-05-01` } });
    expect(entry).toMatchObject({ amountCredits: 1 });
    expect(entry.metadata).toMatchObject({ requestedCredits: 2, cappedAtCredits: 70 });
  });
});
