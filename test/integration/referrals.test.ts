import request from 'supertest';
import type { Clock } from '../../platform/clock';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { apiAs } from '../support/api-client';
import { startSagaHarness, type SagaHarness } from '../support/saga-harness';

// Accounts open at the database's now(); the clock runs from real time so the claim window is
// measured against it, and a test moves it forward to age an account.
let clockOffsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + clockOffsetMs) };
const DAY_MS = 24 * 60 * 60 * 1000;

let harness: SagaHarness;
let counter = 0;
const newUser = (label: string) => `ref-${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  harness = await startSagaHarness({ clock, env: { MAX_BALANCE: '100', REFERRAL_MAX_REWARDED_PER_REFERRER: '3' } });
});

afterAll(async () => {
  await harness?.close();
});

afterEach(async () => {
  clockOffsetMs = 0;
  expect(await verifyLedger(harness.prisma)).toEqual([]);
});

async function referralOf(userId: string) {
  return request(harness.app).get('/users/me/referral').set('Authorization', `Bearer ${await harness.tokenFor(userId)}`);
}

async function codeOf(userId: string): Promise<string> {
  const response = await referralOf(userId);
  expect(response.status).toBe(200);
  return response.body.code;
}

async function redeem(userId: string, body: object) {
  return request(harness.app).post('/users/me/referral').set('Authorization', `Bearer ${await harness.tokenFor(userId)}`).send(body);
}

async function balance(userId: string): Promise<number> {
  return (await apiAs(harness, userId).credits()).body.balance;
}

describe('referral codes', () => {
  it('gives each user one stable 8-character Crockford base32 code', async () => {
    const alice = newUser('code');
    const [first, concurrent] = await Promise.all([referralOf(alice), referralOf(alice)]);
    expect(first.body).toEqual({ code: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{8}$/), referredUsers: 0, rewardedReferrals: 0, maxRewardedReferrals: 3, bonusCredits: 10 });
    expect(concurrent.body.code).toBe(first.body.code);
    expect(await codeOf(alice)).toBe(first.body.code);
    expect(await codeOf(newUser('code'))).not.toBe(first.body.code);
  });
});

describe('redeeming a referral code', () => {
  it('grants the new user and the referrer the bonus once, as referral grants in both histories', async () => {
    const [referrer, referee] = [newUser('referrer'), newUser('referee')];
    const code = await codeOf(referrer);
    const redeemed = await redeem(referee, { code });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toEqual({ code, referee: { requested: 10, granted: 10 }, referrer: { rewarded: true, requested: 10, granted: 10 } });
    expect(await balance(referee)).toBe(60);
    expect(await balance(referrer)).toBe(60);
    expect((await referralOf(referrer)).body).toMatchObject({ referredUsers: 1, rewardedReferrals: 1 });

    for (const [userId, side] of [[referee, 'referee'], [referrer, 'referrer']] as const) {
      const [latest] = (await apiAs(harness, userId).history('?type=grant')).body.items;
      expect(latest).toMatchObject({ type: 'grant', amount: 10, reason: expect.stringMatching(/^Referral bonus/) });
      const entry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `referral:${referee}:${side}` } });
      expect(entry).toMatchObject({ amountCredits: 10, actor: `user:${referee}` });
      expect(entry.metadata).toMatchObject({ source: 'referral', referralSide: side, referralCode: code });
      const lot = await harness.prisma.creditLot.findUniqueOrThrow({ where: { id: entry.relatedId! } });
      expect(lot).toMatchObject({ source: 'referral', grantedCredits: 10, relatedId: referee });
    }
  });

  it('answers a repeated redemption with the first answer and grants nothing twice, even when the repeats race', async () => {
    const [referrer, referee] = [newUser('referrer'), newUser('referee')];
    const code = await codeOf(referrer);
    const raced = await Promise.all([redeem(referee, { code }), redeem(referee, { code }), redeem(referee, { code })]);
    expect(raced.map((response) => response.status).sort()).toEqual([200, 200, 201]);
    // The same code as a person might type it again: lower case, with a hyphen, O for 0, I for 1.
    const retyped = `${code.slice(0, 4)}-${code.slice(4)}`.toLowerCase().replace(/0/g, 'o').replace(/1/g, 'i');
    const again = await redeem(referee, { code: retyped });
    expect(again.status).toBe(200);
    for (const response of [...raced, again]) expect(response.body).toEqual(raced.find((r) => r.status === 201)!.body);
    expect(await balance(referee)).toBe(60);
    expect(await balance(referrer)).toBe(60);
    expect(await harness.prisma.journalEntry.count({ where: { idempotencyKey: { startsWith: `referral:${referee}:` } } })).toBe(2);
  });

  it('refuses a different code after a redemption (409) and changes nothing', async () => {
    const [first, second, referee] = [newUser('referrer'), newUser('referrer'), newUser('referee')];
    const firstCode = await codeOf(first);
    expect((await redeem(referee, { code: firstCode })).status).toBe(201);
    const other = await redeem(referee, { code: await codeOf(second) });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'REFERRAL_ALREADY_REDEEMED', redeemedCode: firstCode });
    expect(await balance(referee)).toBe(60);
    expect(await balance(second)).toBe(50);
  });

  it('refuses the caller’s own code', async () => {
    const alice = newUser('self');
    const own = await redeem(alice, { code: await codeOf(alice) });
    expect(own.status).toBe(400);
    expect(own.body.error.code).toBe('REFERRAL_OWN_CODE');
    expect(await balance(alice)).toBe(50);
    expect(await harness.prisma.referral.count({ where: { refereeUserId: alice } })).toBe(0);
  });

  it.each([
    ['an unknown code', { code: 'ZZZZZZZZ' }, 404, 'REFERRAL_CODE_NOT_FOUND'],
    ['a malformed code', { code: 'abc' }, 400, 'VALIDATION_FAILED'],
    ['a code with letters Crockford leaves out', { code: 'UUUUUUUU' }, 400, 'VALIDATION_FAILED'],
    ['a body with unknown fields', { code: 'ZZZZZZZZ', bonus: 1000 }, 400, 'VALIDATION_FAILED'],
    ['a missing code', {}, 400, 'VALIDATION_FAILED'],
  ])('refuses %s and changes nothing', async (_name, body, status, code) => {
    const referee = newUser('refused');
    const refused = await redeem(referee, body);
    expect(refused.status).toBe(status);
    expect(refused.body.error.code).toBe(code);
    expect(await balance(referee)).toBe(50);
  });

  it('refuses a code from an account older than the claim window, and accepts one inside it', async () => {
    const [referrer, oldUser, recentUser] = [newUser('referrer'), newUser('old'), newUser('recent')];
    const code = await codeOf(referrer);
    await balance(oldUser);
    await balance(recentUser);
    clockOffsetMs = 7 * DAY_MS + 60_000;
    const late = await redeem(oldUser, { code });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'REFERRAL_CLAIM_WINDOW_CLOSED', claimWindowDays: 7, message: expect.stringContaining('first 7 days') });
    expect(await balance(oldUser)).toBe(50);
    clockOffsetMs = 6 * DAY_MS;
    expect((await redeem(recentUser, { code })).status).toBe(201);
    expect(await balance(referrer)).toBe(60);
  });

  it('refuses two users referring each other, even at the same moment, without deadlocking', async () => {
    const [alice, bob] = [newUser('mutual'), newUser('mutual')];
    const [aliceCode, bobCode] = [await codeOf(alice), await codeOf(bob)];
    const results = await Promise.all([redeem(alice, { code: bobCode }), redeem(bob, { code: aliceCode })]);
    expect(results.map((response) => response.status).sort()).toEqual([201, 409]);
    expect(results.find((response) => response.status === 409)!.body.error.code).toBe('REFERRAL_MUTUAL');
    expect((await balance(alice)) + (await balance(bob))).toBe(120);
  });
});

describe('the referrer cap', () => {
  it('rewards the referrer for at most REFERRAL_MAX_REWARDED_PER_REFERRER referrals, racing or not, and every referee always', async () => {
    const referrer = newUser('popular');
    const code = await codeOf(referrer);
    const referees = Array.from({ length: 5 }, () => newUser('friend'));
    await Promise.all(referees.map((referee) => balance(referee)));
    const first = await redeem(referees[0]!, { code });
    expect(first.body.referrer).toEqual({ rewarded: true, requested: 10, granted: 10 });
    const rest = await Promise.all(referees.slice(1).map((referee) => redeem(referee, { code })));
    expect(rest.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    expect(rest.filter((response) => response.body.referrer.rewarded)).toHaveLength(2);
    for (const response of rest.filter((r) => !r.body.referrer.rewarded)) expect(response.body.referrer).toEqual({ rewarded: false, requested: 0, granted: 0 });

    expect(await balance(referrer)).toBe(50 + 3 * 10);
    for (const referee of referees) expect(await balance(referee)).toBe(60);
    expect((await referralOf(referrer)).body).toMatchObject({ referredUsers: 5, rewardedReferrals: 3, maxRewardedReferrals: 3 });
    expect(await harness.prisma.referral.count({ where: { referrerUserId: referrer, referrerRewarded: false, referrerGrantedCredits: 0 } })).toBe(2);
    expect(await harness.prisma.journalEntry.count({ where: { idempotencyKey: { endsWith: ':referrer' }, account: { userId: referrer } } })).toBe(3);
  });
});

describe('the balance cap', () => {
  it('grants a bonus up to MAX_BALANCE and journals the capped amount', async () => {
    const [referrer, referee] = [newUser('rich'), newUser('referee')];
    const code = await codeOf(referrer);
    const adjusted = await request(harness.app)
      .post(`/admin/users/${referrer}/credit-adjustments`)
      .set('Authorization', `Bearer ${await harness.tokenFor('ops', 'admin')}`)
      .send({ amount: 45, reason: 'near the cap' });
    expect(adjusted.status).toBe(201);
    const redeemed = await redeem(referee, { code });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ referee: { requested: 10, granted: 10 }, referrer: { rewarded: true, requested: 10, granted: 5 } });
    expect(await balance(referrer)).toBe(100);
    const entry = await harness.prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `referral:${referee}:referrer` } });
    expect(entry).toMatchObject({ amountCredits: 5, balanceAfterCredits: 100 });
    expect(entry.metadata).toMatchObject({ source: 'referral', requestedCredits: 10, cappedAtCredits: 100 });
    expect(await harness.prisma.referral.findUniqueOrThrow({ where: { refereeUserId: referee } })).toMatchObject({ referrerRewarded: true, referrerGrantedCredits: 5, refereeGrantedCredits: 10 });
  });
});
