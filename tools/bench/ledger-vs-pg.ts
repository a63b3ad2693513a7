import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient } from 'pg';
import { createGenerationActivities } from '../../activities/generation-activities';
import type { GenerationOutput } from '../../domain/generations/generator';
import { openAccountIfMissing } from '../../domain/ledger/open-account';
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
 * a full capture, no achievement due), with the values our code computes in between computed here
 * the same way. Checked against Prisma's own query log (`tools/bench/statement-probe.ts`): 11
 * statements in the reserve's transaction and 15 in the capture's, in this order.
 */
async function pgPair(client: PoolClient | null, op: Operation): Promise<void> {
  if (!client) throw new Error('pg pair needs a client');
  const now = new Date();
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  const account = (await client.query<{ id: string; balance_credits: number; reserved_credits: number }>(
    'SELECT id, user_id, balance_credits, reserved_credits, max_balance_credits FROM credit_accounts WHERE user_id = $1 FOR UPDATE', [op.userId])).rows[0]!;
  await client.query('SELECT * FROM reservations WHERE idempotency_key = $1 LIMIT 1', [`${op.workflowId}:reserve`]);
  await client.query('SELECT id, remaining_credits, source, expires_at FROM credit_lots WHERE account_id = $1 AND remaining_credits > 0 AND expires_at <= $2 ORDER BY expires_at, id', [account.id, now]);
  const lot = (await client.query<{ id: string }>(
    'SELECT id, source, remaining_credits, expires_at, created_at FROM credit_lots WHERE account_id = $1 AND remaining_credits > 0 AND (expires_at IS NULL OR expires_at > $2)', [account.id, now])).rows[0]!;
  const reservation = (await client.query<{ id: string }>(
    `INSERT INTO reservations (id, account_id, idempotency_key, workflow_id, generation_id, held_credits, expires_at, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, 1, $5, $6) RETURNING id`,
    [account.id, `${op.workflowId}:reserve`, op.workflowId, op.generationId, new Date(now.getTime() + 3_600_000), now])).rows[0]!;
  await client.query('INSERT INTO reservation_draws (id, reservation_id, lot_id, drawn_credits) VALUES (gen_random_uuid(), $1, $2, 1)', [reservation.id, lot.id]);
  // Prisma reads the reservation back after its nested create.
  await client.query('SELECT id FROM reservations WHERE id = $1 LIMIT 1', [reservation.id]);
  await client.query('UPDATE credit_lots SET remaining_credits = remaining_credits - 1 WHERE id = $1 RETURNING id', [lot.id]);
  await client.query(
    `INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits, reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
     VALUES ($1, 'reservation', 0, 1, $2, $3, 'Credits held for a generation', 'generation', $4, $5, $6, $7, $8) RETURNING id`,
    [account.id, account.balance_credits, account.reserved_credits + 1, op.generationId, `user:${op.userId}`, `${op.workflowId}:reserve`, JSON.stringify({ reservationId: reservation.id, workflowId: op.workflowId, lots: [{ lotId: lot.id, credits: 1 }] }), now]);
  await client.query('UPDATE credit_accounts SET balance_credits = $1, reserved_credits = $2, updated_at = now() WHERE id = $3 RETURNING id', [account.balance_credits, account.reserved_credits + 1, account.id]);
  await client.query(`UPDATE generations SET status = 'generating', updated_at = now() WHERE id = $1 AND status = 'pending'`, [op.generationId]);
  await client.query('COMMIT');

  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  await client.query('SELECT held_credits FROM reservations WHERE id = $1 LIMIT 1', [reservation.id]);
  await client.query('SELECT account_id FROM reservations WHERE id = $1 LIMIT 1', [reservation.id]);
  const locked = (await client.query<{ balance_credits: number; reserved_credits: number }>(
    'SELECT id, user_id, balance_credits, reserved_credits, max_balance_credits FROM credit_accounts WHERE id = $1 FOR UPDATE', [account.id])).rows[0]!;
  await client.query('SELECT * FROM reservations WHERE id = $1 LIMIT 1', [reservation.id]);
  const draws = (await client.query<{ id: string; lot_id: string }>('SELECT * FROM reservation_draws WHERE reservation_id = $1', [reservation.id])).rows;
  await client.query('SELECT * FROM credit_lots WHERE id = ANY($1::uuid[])', [draws.map((draw) => draw.lot_id)]);
  for (const draw of draws) {
    await client.query('UPDATE reservation_draws SET captured_credits = 1, returned_credits = 0, expired_credits = 0 WHERE id = $1 RETURNING id', [draw.id]);
  }
  await client.query(
    `INSERT INTO journal_entries (account_id, type, amount_credits, reserved_delta_credits, balance_after_credits, reserved_after_credits, reason, related_type, related_id, actor, idempotency_key, metadata, created_at)
     VALUES ($1, 'capture', -1, -1, $2, $3, 'Generated 5 flashcards', 'generation', $4, 'system:generation-saga', $5, $6, $7) RETURNING id`,
    [account.id, locked.balance_credits - 1, locked.reserved_credits - 1, op.generationId, `${op.workflowId}:capture`, JSON.stringify({ reservationId: reservation.id, heldCredits: 1, lots: [] }), now]);
  await client.query(`UPDATE reservations SET status = 'captured', captured_credits = 1, close_reason = 'Generated 5 flashcards', closed_at = $1 WHERE id = $2 RETURNING id`, [now, reservation.id]);
  await client.query('UPDATE credit_accounts SET balance_credits = $1, reserved_credits = $2, updated_at = now() WHERE id = $3 RETURNING id', [locked.balance_credits - 1, locked.reserved_credits - 1, account.id]);
  await client.query(
    `UPDATE generations SET status = 'succeeded', actual_cost_credits = 1, produced_count = 5, result = $1, completed_at = $2, updated_at = now() WHERE id = $3 RETURNING id`,
    [JSON.stringify(OUTPUT), now, op.generationId]);
  // The capture's achievement progress (completedGenerationsOfOwner, then recordAchievementProgress).
  const owner = (await client.query<{ user_id: string }>('SELECT id, user_id FROM generations WHERE id = $1 LIMIT 1', [op.generationId])).rows[0]!;
  const completed = (await client.query<{ count: string }>(`SELECT COUNT(*) FROM (SELECT id FROM generations WHERE user_id = $1 AND status = 'succeeded') AS sub`, [owner.user_id])).rows[0]!;
  await client.query(
    `INSERT INTO achievement_progress (user_id, metric, value, updated_at)
     SELECT user_id, metric, MAX(value), $1::timestamptz FROM unnest($2::text[], $3::text[], $4::int[]) AS f(user_id, metric, value)
     GROUP BY user_id, metric
     ON CONFLICT (user_id, metric) DO UPDATE SET value = GREATEST(achievement_progress.value, EXCLUDED.value), updated_at = EXCLUDED.updated_at`,
    [now, [owner.user_id], ['generations_completed'], [Number(completed.count)]]);
  await client.query(
    `SELECT p.user_id, a.code, a.title, a.reward_credits FROM achievement_progress p
     JOIN achievements a ON a.metric = p.metric AND a.active AND p.value >= a.threshold
     WHERE (p.user_id, p.metric) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       AND NOT EXISTS (SELECT 1 FROM user_achievements ua WHERE ua.user_id = p.user_id AND ua.achievement_code = a.code)
     ORDER BY p.user_id, a.code`,
    [[owner.user_id], ['generations_completed']]);
  await client.query('COMMIT');
}
