import { ReservationNotPendingError } from '../../platform/errors';
import { createPrismaClient, type PrismaClient } from '../../platform/database';
import type { Clock } from '../../platform/clock';
import { closeReservation, type CloseRequest } from '../../domain/ledger/close-reservation';
import { lockAccountByUserId } from '../../domain/ledger/account-lock';
import { compareBurnOrder, planDraws } from '../../domain/ledger/burn-order';
import { grantLot } from '../../domain/ledger/grant';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
import { reserveCredits, type ReserveRequest } from '../../domain/ledger/reserve';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import { verifyLedger } from '../../domain/ledger/verify-ledger';
import { createTestDatabase } from '../support/database';

/** The ledger's operations straight against Postgres: no Temporal, a clock the test moves. */
let prisma: PrismaClient;
let drop: () => Promise<void>;
let now = new Date('2026-03-01T12:00:00Z');
const clock: Clock = { now: () => now };
let counter = 0;

beforeAll(async () => {
  const database = await createTestDatabase('ledger');
  drop = database.drop;
  prisma = createPrismaClient({ databaseUrl: database.url, poolSize: 20 });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await drop?.();
});

afterEach(async () => {
  expect(await verifyLedger(prisma)).toEqual([]);
});

async function newAccount(signupCredits = 50): Promise<string> {
  const userId = `ledger-user-${++counter}`;
  await openAccountIfMissing(prisma, { userId, signupCredits, clock });
  return userId;
}

function reserve(userId: string, credits: number, key = `wf-${userId}-${credits}:reserve`, overrides: Partial<ReserveRequest> = {}) {
  return inLedgerTransaction(prisma, (tx) =>
    reserveCredits(tx, {
      userId,
      credits,
      minimumAvailableCredits: 0,
      idempotencyKey: key,
      workflowId: key.split(':')[0]!,
      generationId: `gen-${key}`,
      holdTimeoutMs: 3_600_000,
      actor: `user:${userId}`,
      at: clock.now(),
      ...overrides,
    }),
  );
}

function close(reservationId: string, request: Partial<CloseRequest> & Pick<CloseRequest, 'closeAs' | 'idempotencyKey'>) {
  return inLedgerTransaction(prisma, (tx) =>
    closeReservation(tx, { reservationId, captureCredits: 0, reason: 'test', relatedId: null, actor: 'test', at: clock.now(), ...request }),
  );
}

async function account(userId: string) {
  return prisma.creditAccount.findUniqueOrThrow({ where: { userId } });
}

describe('ledger operations', () => {
  it('opens an account once with the signup grant, however often it is asked', async () => {
    const userId = `ledger-open-${++counter}`;
    await Promise.all(Array.from({ length: 5 }, () => openAccountIfMissing(prisma, { userId, signupCredits: 50, clock })));
    expect(await account(userId)).toMatchObject({ balanceCredits: 50, reservedCredits: 0 });
    expect(await prisma.journalEntry.count({ where: { account: { userId } } })).toBe(1);
  });

  it('holds credits on reserve and changes nothing when the same key is reserved again', async () => {
    const userId = await newAccount();
    const first = await reserve(userId, 7, 'wf-a:reserve');
    const again = await reserve(userId, 7, 'wf-a:reserve');
    expect(first.kind).toBe('reserved');
    expect(again).toEqual(first);
    expect(await account(userId)).toMatchObject({ balanceCredits: 50, reservedCredits: 7 });
  });

  it('refuses a reservation above the available credits without writing anything', async () => {
    const userId = await newAccount(5);
    await reserve(userId, 3, 'wf-b1:reserve');
    const refused = await reserve(userId, 3, 'wf-b2:reserve');
    expect(refused).toEqual({ kind: 'insufficient', requiredCredits: 3, availableCredits: 2 });
    expect(await prisma.reservation.count({ where: { account: { userId } } })).toBe(1);
  });

  it('starts a generation only with the minimum available, which is not kept on top of the cost', async () => {
    const userId = await newAccount(5);
    const refused = await reserve(userId, 3, 'wf-min:reserve', { minimumAvailableCredits: 6 });
    expect(refused).toEqual({ kind: 'insufficient', requiredCredits: 6, availableCredits: 5 });
    // 5 available meets a minimum of 5, and the hold of 3 may leave less than the minimum behind.
    const held = await reserve(userId, 3, 'wf-min2:reserve', { minimumAvailableCredits: 5 });
    expect(held).toMatchObject({ kind: 'reserved', heldCredits: 3 });
    expect(await account(userId)).toMatchObject({ balanceCredits: 5, reservedCredits: 3 });
  });

  it('captures part of a hold and returns the rest to its lot in one transaction', async () => {
    const userId = await newAccount();
    const held = await reserve(userId, 5, 'wf-c:reserve');
    if (held.kind !== 'reserved') throw new Error('expected a reservation');
    const captured = await close(held.reservationId, { closeAs: 'captured', captureCredits: 2, idempotencyKey: 'wf-c:capture' });
    expect(captured).toMatchObject({ kind: 'closed', status: 'captured', capturedCredits: 2, returnedCredits: 3, expiredCredits: 0 });
    expect(await account(userId)).toMatchObject({ balanceCredits: 48, reservedCredits: 0 });
    const replay = await close(held.reservationId, { closeAs: 'captured', captureCredits: 2, idempotencyKey: 'wf-c:capture' });
    expect(replay).toMatchObject({ kind: 'already_closed', capturedCredits: 2, returnedCredits: 3 });
    expect(await account(userId)).toMatchObject({ balanceCredits: 48, reservedCredits: 0 });
  });

  it('never both captures and releases one reservation', async () => {
    const userId = await newAccount();
    const held = await reserve(userId, 4, 'wf-d:reserve');
    if (held.kind !== 'reserved') throw new Error('expected a reservation');
    const results = await Promise.allSettled([
      close(held.reservationId, { closeAs: 'captured', captureCredits: 4, idempotencyKey: 'wf-d:capture' }),
      close(held.reservationId, { closeAs: 'released', idempotencyKey: 'wf-d:release' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ReservationNotPendingError);
    const closes = await prisma.journalEntry.count({ where: { account: { userId }, type: { in: ['capture', 'release'] } } });
    expect(closes).toBe(1);
  });

  it('draws the soonest-expiring lot first and, on release after it expired, expires the returned credits', async () => {
    const userId = await newAccount(0);
    await inLedgerTransaction(prisma, async (tx) => {
      const locked = await lockAccountByUserId(tx, userId);
      await grantLot(tx, locked, { source: 'purchase', credits: 10, expiresAt: new Date('2027-03-01T00:00:00Z'), reason: 'bought', actor: 'test', idempotencyKey: `buy-${userId}`, at: now });
      await grantLot(tx, locked, { source: 'promotion', credits: 3, expiresAt: new Date('2026-03-02T00:00:00Z'), reason: 'promo', actor: 'test', idempotencyKey: `promo-${userId}`, at: now });
    });
    const held = await reserve(userId, 5, 'wf-e:reserve');
    if (held.kind !== 'reserved') throw new Error('expected a reservation');
    const draws = await prisma.reservationDraw.findMany({ where: { reservationId: held.reservationId }, include: { lot: true } });
    expect(draws.map((draw) => [draw.lot.source, draw.drawnCredits]).sort()).toEqual([['promotion', 3], ['purchase', 2]]);

    now = new Date('2026-03-03T00:00:00Z'); // the promotion lot has expired while held
    const released = await close(held.reservationId, { closeAs: 'released', idempotencyKey: 'wf-e:release' });
    expect(released).toMatchObject({ returnedCredits: 2, expiredCredits: 3 });
    expect(await account(userId)).toMatchObject({ balanceCredits: 10, reservedCredits: 0 });
    const expiration = await prisma.journalEntry.findFirstOrThrow({ where: { account: { userId }, type: 'expiration' } });
    expect(expiration.amountCredits).toBe(-3);
  });

  it('draws and captures in the database exactly in the order compareBurnOrder gives, ties included', async () => {
    now = new Date('2026-04-01T00:00:00Z');
    const userId = await newAccount(0);
    const soon = new Date('2026-04-10T00:00:00Z');
    const grantedAt = new Date('2026-03-20T00:00:00Z');
    // Same expiry and source (then the grant's age, then the id decide), free against paid on one
    // expiry, and never-expiring lots, granted in an order that is none of those.
    const grants = [
      { source: 'purchase', credits: 2, expiresAt: soon, at: grantedAt },
      { source: 'admin', credits: 2, expiresAt: null, at: grantedAt },
      { source: 'promotion', credits: 2, expiresAt: soon, at: grantedAt },
      { source: 'promotion', credits: 2, expiresAt: soon, at: grantedAt },
      { source: 'promotion', credits: 2, expiresAt: soon, at: new Date('2026-03-19T00:00:00Z') },
      { source: 'subscription', credits: 2, expiresAt: new Date('2026-04-05T00:00:00Z'), at: grantedAt },
      { source: 'admin', credits: 2, expiresAt: null, at: new Date('2026-03-01T00:00:00Z') },
      { source: 'daily_bonus', credits: 2, expiresAt: new Date('2026-04-20T00:00:00Z'), at: grantedAt },
    ] as const;
    await inLedgerTransaction(prisma, async (tx) => {
      const locked = await lockAccountByUserId(tx, userId);
      for (const [index, grant] of grants.entries()) {
        await grantLot(tx, locked, { ...grant, reason: 'burn-order tie', actor: 'test', idempotencyKey: `tie-${userId}-${index}`, relatedId: undefined });
      }
    });
    const lots = await prisma.creditLot.findMany({ where: { account: { userId } } });
    const held = await reserve(userId, 11, 'wf-tie:reserve');
    if (held.kind !== 'reserved') throw new Error('expected a reservation');
    const drawn = await prisma.reservationDraw.findMany({ where: { reservationId: held.reservationId } });
    const planned = planDraws(lots, 11)!;
    expect(drawn.map((draw) => ({ lotId: draw.lotId, credits: draw.drawnCredits })).sort((a, b) => a.lotId.localeCompare(b.lotId))).toEqual(
      [...planned].sort((a, b) => a.lotId.localeCompare(b.lotId)),
    );
    const entry = await prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: 'wf-tie:reserve' } });
    expect(entry.metadata).toEqual({ reservationId: held.reservationId, workflowId: 'wf-tie', lots: planned });

    // Capture 5 of the 11, limited to what was held: from the draws in burn order.
    const captured = await close(held.reservationId, { closeAs: 'captured', captureCredits: 5, idempotencyKey: 'wf-tie:capture' });
    expect(captured).toMatchObject({ kind: 'closed', capturedCredits: 5, returnedCredits: 6, expiredCredits: 0 });
    const byBurnOrder = [...lots].sort(compareBurnOrder).map((lot) => lot.id);
    let toCapture = 5;
    const expected = byBurnOrder.filter((id) => planned.some((draw) => draw.lotId === id)).map((lotId) => {
      const drawnCredits = planned.find((draw) => draw.lotId === lotId)!.credits;
      const capturedCredits = Math.min(drawnCredits, toCapture);
      toCapture -= capturedCredits;
      return { lotId, captured: capturedCredits, returned: drawnCredits - capturedCredits, expired: 0 };
    });
    const capture = await prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: 'wf-tie:capture' } });
    expect(capture.metadata).toEqual({ reservationId: held.reservationId, heldCredits: 11, lots: expected });

    const second = await reserve(userId, 3, 'wf-cap:reserve');
    if (second.kind !== 'reserved') throw new Error('expected a reservation');
    const capped = await close(second.reservationId, { closeAs: 'captured', captureCredits: 7, limitToHeld: true, idempotencyKey: 'wf-cap:capture' });
    expect(capped).toMatchObject({ kind: 'closed', capturedCredits: 3, returnedCredits: 0 });
    await expect(close(second.reservationId, { closeAs: 'captured', captureCredits: 7, limitToHeld: true, idempotencyKey: 'wf-cap:capture' })).resolves.toMatchObject({ kind: 'already_closed', capturedCredits: 3 });
  });

  it('expires due lots before a spend so it never draws on them', async () => {
    now = new Date('2026-06-01T00:00:00Z');
    const userId = await newAccount(0);
    await inLedgerTransaction(prisma, async (tx) => {
      const locked = await lockAccountByUserId(tx, userId);
      await grantLot(tx, locked, { source: 'daily_bonus', credits: 4, expiresAt: new Date('2026-06-02T00:00:00Z'), reason: 'bonus', actor: 'test', idempotencyKey: `bonus-${userId}`, at: now });
    });
    now = new Date('2026-06-03T00:00:00Z');
    const refused = await reserve(userId, 1, 'wf-f:reserve');
    expect(refused).toEqual({ kind: 'insufficient', requiredCredits: 1, availableCredits: 0 });
    expect(await account(userId)).toMatchObject({ balanceCredits: 0 });
  });

  it('serialises concurrent reservations on one account so it never overspends', async () => {
    const userId = await newAccount(10);
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => reserve(userId, 1, `wf-g${i}:reserve`)));
    expect(outcomes.filter((outcome) => outcome.kind === 'reserved')).toHaveLength(10);
    expect(await account(userId)).toMatchObject({ balanceCredits: 10, reservedCredits: 10 });
  });

  it('refuses to update or delete a journal entry', async () => {
    const userId = await newAccount();
    await expect(prisma.journalEntry.updateMany({ where: { account: { userId } }, data: { reason: 'rewritten' } })).rejects.toThrow(/append-only/);
    await expect(prisma.journalEntry.deleteMany({ where: { account: { userId } } })).rejects.toThrow(/append-only/);
  });
});

describe('the balance cap', () => {
  async function grantWithCap(userId: string, credits: number, policy: 'refuse' | 'grant_up_to_cap', key: string) {
    return inLedgerTransaction(prisma, async (tx) => {
      const locked = await lockAccountByUserId(tx, userId);
      return grantLot(tx, locked, { source: policy === 'refuse' ? 'purchase' : 'promotion', credits, expiresAt: null, reason: 'capped grant', actor: 'test', idempotencyKey: key, cap: { maxBalanceCredits: 60, policy }, at: now });
    });
  }

  it('grants a bonus up to the cap and journals the capped amount', async () => {
    const userId = await newAccount(50);
    const outcome = await grantWithCap(userId, 25, 'grant_up_to_cap', `promo-cap-${userId}`);
    expect(outcome).toMatchObject({ kind: 'granted', credits: 10, requestedCredits: 25 });
    const entry = await prisma.journalEntry.findUniqueOrThrow({ where: { idempotencyKey: `promo-cap-${userId}` } });
    expect(entry).toMatchObject({ amountCredits: 10, balanceAfterCredits: 60 });
    expect(entry.metadata).toMatchObject({ requestedCredits: 25, cappedAtCredits: 60 });
    expect(await grantWithCap(userId, 5, 'grant_up_to_cap', `promo-cap2-${userId}`)).toEqual({ kind: 'capped_out', requestedCredits: 5 });
  });

  it('refuses a purchase that would exceed the cap', async () => {
    const userId = await newAccount(50);
    await expect(grantWithCap(userId, 11, 'refuse', `buy-cap-${userId}`)).rejects.toMatchObject({ code: 'BALANCE_CAP_EXCEEDED' });
    expect(await grantWithCap(userId, 10, 'refuse', `buy-ok-${userId}`)).toMatchObject({ kind: 'granted', credits: 10 });
  });
});
