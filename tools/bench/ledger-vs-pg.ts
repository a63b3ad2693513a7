import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient } from 'pg';
import { createGenerationActivities } from '../../activities/generation-activities';
import type { GenerationOutput } from '../../domain/generations/generator';
import { achievementProgressStatement } from '../../domain/achievements/achievements';
import { markGenerationGeneratingStatement, markGenerationSucceededStatement } from '../../domain/generations/generation-store';
import { priceGenerationCredits } from '../../domain/generations/pricing';
import { lockAccountByUserIdStatement, lockAccountOfReservationStatement } from '../../domain/ledger/account-lock';
import { closeStatement } from '../../domain/ledger/close-reservation';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
import { creditsNeededToReserve, reserveStatement, type ReserveRequest } from '../../domain/ledger/reserve';
import type { Prisma } from '../../generated/prisma/client';
import { systemClock } from '../../platform/clock';
import type { PrismaClient } from '../../platform/database';

/**
 * The ledger's hot path, reserve then capture, through our code (the saga's activity functions:
 * Prisma over @prisma/adapter-pg, one interactive transaction each) against the same statements
 * sent through a plain `pg` pool of the same size: same database, same run, same concurrency, the
 * two interleaved. Each concurrent worker spends from its own user, so the row lock is not what
 * is measured.
 */
const CONCURRENCY = 10;
const PAIRS = 1_000;
const ROUNDS = 2;

export interface LedgerComparison {
  pairs: number;
  concurrency: number;
  // Pairs per second, one number per round.
  ours: number[];
  pg: number[];
}

const OUTPUT: GenerationOutput = {
  type: 'flashcards',
  model: 'bench',
  items: Array.from({ length: 5 }, (_, index) => ({ front: `Question ${index}`, back: `Answer ${index}` })),
};

export async function measureLedgerAgainstPg(prisma: PrismaClient, databaseUrl: string): Promise<LedgerComparison> {
  const users = Array.from({ length: CONCURRENCY }, (_, index) => `ledger-bench-${index}`);
  for (const userId of users) await openAccountIfMissing(prisma, { userId, signupCredits: 9_000, clock: systemClock });
  const pool = new Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  const activities = createGenerationActivities({ prisma, generator: { name: 'unused', generate: () => Promise.reject(new Error('unused')) }, clock: systemClock, holdTimeoutMs: 3_600_000, minCreditsToGenerate: 0, maxBalanceCredits: 1_000_000 });
  const result: LedgerComparison = { pairs: PAIRS, concurrency: CONCURRENCY, ours: [], pg: [] };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      result.pg.push(await timedPairs(prisma, users, `pg-${round}`, (client, op) => pgPair(client, op), pool));
      result.ours.push(
        await timedPairs(prisma, users, `ours-${round}`, async (_client, op) => {
          const decision = await activities.reserveCredits({ generationId: op.generationId, userId: op.userId, workflowId: op.workflowId, estimatedCostCredits: 1, idempotencyKey: `${op.workflowId}:reserve` });
          if (!decision.accepted) throw new Error('reserve refused');
          await activities.captureCredits({ generationId: op.generationId, reservationId: decision.reservationId, idempotencyKey: `${op.workflowId}:capture`, output: OUTPUT });
        }),
      );
      console.log(`ledger round ${round}: ours ${result.ours[round]!.toFixed(0)}/s, pg ${result.pg[round]!.toFixed(0)}/s`);
    }
  } finally {
    await pool.end();
  }
  return result;
}

interface Operation {
  userId: string;
  generationId: string;
  workflowId: string;
}

async function timedPairs(prisma: PrismaClient, users: string[], label: string, pair: (client: PoolClient | null, op: Operation) => Promise<void>, pool?: Pool): Promise<number> {
  const perUser = PAIRS / users.length;
  // The generation rows the capture marks succeeded, made before the clock starts.
  await prisma.$executeRaw`
    INSERT INTO generations (id, user_id, request_hash, type, requested_count, input_text, estimated_cost_credits, workflow_id, updated_at)
    SELECT ${label} || '-' || u.user_id || '-' || g, u.user_id, 'bench', 'flashcards', 5, 'bench', 1, 'generation-' || ${label} || '-' || u.user_id || '-' || g, now()
    FROM unnest(${users}::text[]) AS u(user_id), generate_series(1, ${perUser}::int) g`;
  const started = performance.now();
  await Promise.all(
    users.map(async (userId) => {
      const client = pool ? await pool.connect() : null;
      try {
        for (let index = 1; index <= perUser; index += 1) {
          const generationId = `${label}-${userId}-${index}`;
          await pair(client, { userId, generationId, workflowId: `generation-${generationId}` });
        }
      } finally {
        client?.release();
      }
    }),
  );
  return PAIRS / ((performance.now() - started) / 1000);
}

/**
 * What reserveCredits and captureCredits send, statement for statement (one lot, nothing expired,
 * a full capture, no achievement due): the very statements our code builds (the ledger's
 * `*Statement` functions), so the text and values are the same and only the driver differs.
 * Checked against Prisma's own query log (`tools/bench/statement-probe.ts`): 3 statements in the
 * reserve's transaction and 4 in the capture's, in this order.
 */
async function pgPair(client: PoolClient | null, op: Operation): Promise<void> {
  if (!client) throw new Error('pg pair needs a client');
  const send = <R extends object>(statement: Prisma.Sql) => client.query<R>(statement.text, statement.values);
  const now = new Date();
  const reserve: ReserveRequest = {
    userId: op.userId, credits: 1, minimumAvailableCredits: 0, idempotencyKey: `${op.workflowId}:reserve`, workflowId: op.workflowId,
    generationId: op.generationId, holdTimeoutMs: 3_600_000, actor: `user:${op.userId}`, at: now,
  };
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  const account = (await send<{ id: string }>(lockAccountByUserIdStatement(op.userId))).rows[0]!;
  const reserved = (await send<{ reservation_id: string | null }>(reserveStatement(account.id, reserve, creditsNeededToReserve(1, 0)))).rows[0]!;
  if (!reserved.reservation_id) throw new Error('pg reserve refused');
  await send(markGenerationGeneratingStatement(op.generationId));
  await client.query('COMMIT');

  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  await send(lockAccountOfReservationStatement(reserved.reservation_id));
  const closed = (await send<{ closed_now: boolean; captured_credits: number }>(closeStatement({
    reservationId: reserved.reservation_id, closeAs: 'captured', captureCredits: priceGenerationCredits(OUTPUT.type, OUTPUT.items.length), limitToHeld: true,
    reason: `Generated ${OUTPUT.items.length} flashcards`, relatedId: op.generationId, actor: 'system:generation-saga', idempotencyKey: `${op.workflowId}:capture`, at: now,
  }))).rows[0]!;
  if (!closed.closed_now) throw new Error('pg capture did not close');
  const owner = (await send<{ user_id: string; completed: number }>(markGenerationSucceededStatement(op.generationId, {
    actualCostCredits: closed.captured_credits, producedCount: OUTPUT.items.length, result: OUTPUT as unknown as object, at: now,
  }))).rows[0]!;
  await send(achievementProgressStatement([{ userId: owner.user_id, metric: 'generations_completed', value: owner.completed }], now));
  await client.query('COMMIT');
}
