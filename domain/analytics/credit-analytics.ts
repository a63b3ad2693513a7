import type { PrismaClient } from '../../generated/prisma/client';

export type AnalyticsBucket = 'day' | 'week' | 'month';

export interface CreditAnalytics {
  buckets: Array<{ start: Date; spentCredits: number; grantedCredits: number; expiredCredits: number; transferredOutCredits: number }>;
  spendByOperation: Array<{ type: string; generations: number; spentCredits: number }>;
  averageCreditsPerGeneration: number | null;
  mostExpensiveGenerations: Array<{ id: string; type: string; costCredits: number; producedCount: number | null; createdAt: Date }>;
  refundRate: number | null;
}

interface BucketRow {
  start: Date;
  spent: number;
  granted: number;
  expired: number;
  transferred_out: number;
}

/**
 * A user's spending over [from, to), computed in SQL: every figure is one aggregate query over
 * indexed rows, so the cost grows with the number of buckets, not with the user's history.
 */
export async function readCreditAnalytics(prisma: PrismaClient, userId: string, range: { from: Date; to: Date; bucket: AnalyticsBucket }): Promise<CreditAnalytics> {
  const account = await prisma.creditAccount.findUnique({ where: { userId }, select: { id: true } });
  const [buckets, operations, expensive, outcomes] = await Promise.all([
    account ? readBuckets(prisma, account.id, range) : Promise.resolve([]),
    prisma.$queryRaw<Array<{ type: string; generations: number; spent: number }>>`
      SELECT type::text AS type, COUNT(*)::int AS generations, COALESCE(SUM(actual_cost_credits), 0)::int AS spent
      FROM generations
      WHERE user_id = ${userId} AND status = 'succeeded' AND created_at >= ${range.from} AND created_at < ${range.to}
      GROUP BY type ORDER BY type`,
    prisma.generation.findMany({
      where: { userId, status: 'succeeded', createdAt: { gte: range.from, lt: range.to } },
      orderBy: [{ actualCostCredits: 'desc' }, { createdAt: 'desc' }],
      take: 5,
      select: { id: true, type: true, actualCostCredits: true, producedCount: true, createdAt: true },
    }),
    // A refund is a hold released without a charge; refusals for lack of credits never held any.
    prisma.$queryRaw<Array<{ settled: number; refunded: number; average: number | null }>>`
      SELECT COUNT(*)::int AS settled,
             COUNT(*) FILTER (WHERE status IN ('failed', 'cancelled'))::int AS refunded,
             AVG(actual_cost_credits) FILTER (WHERE status = 'succeeded')::float AS average
      FROM generations
      WHERE user_id = ${userId} AND status IN ('succeeded', 'failed', 'cancelled')
        AND COALESCE(failure_code, '') <> 'INSUFFICIENT_CREDITS'
        AND created_at >= ${range.from} AND created_at < ${range.to}`,
  ]);
  const outcome = outcomes[0] ?? { settled: 0, refunded: 0, average: null };
  return {
    buckets: buckets.map((row) => ({ start: row.start, spentCredits: row.spent, grantedCredits: row.granted, expiredCredits: row.expired, transferredOutCredits: row.transferred_out })),
    spendByOperation: operations.map((row) => ({ type: row.type, generations: row.generations, spentCredits: row.spent })),
    averageCreditsPerGeneration: outcome.average === null ? null : Math.round(outcome.average * 100) / 100,
    mostExpensiveGenerations: expensive.map((generation) => ({ id: generation.id, type: generation.type, costCredits: generation.actualCostCredits ?? 0, producedCount: generation.producedCount, createdAt: generation.createdAt })),
    refundRate: outcome.settled === 0 ? null : Math.round((outcome.refunded / outcome.settled) * 10_000) / 10_000,
  };
}

function readBuckets(prisma: PrismaClient, accountId: string, range: { from: Date; to: Date; bucket: AnalyticsBucket }): Promise<BucketRow[]> {
  // Buckets are UTC calendar days, ISO weeks (from Monday) and months.
  return prisma.$queryRaw<BucketRow[]>`
    SELECT date_trunc(${range.bucket}, created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
           COALESCE(SUM(-amount_credits) FILTER (WHERE type = 'capture'), 0)::int AS spent,
           COALESCE(SUM(amount_credits) FILTER (WHERE amount_credits > 0), 0)::int AS granted,
           COALESCE(SUM(-amount_credits) FILTER (WHERE type = 'expiration'), 0)::int AS expired,
           COALESCE(SUM(-amount_credits) FILTER (WHERE type = 'transfer_out'), 0)::int AS transferred_out
    FROM journal_entries
    WHERE account_id = ${accountId}::uuid AND created_at >= ${range.from} AND created_at < ${range.to}
    GROUP BY 1 ORDER BY 1`;
}

/** Generations the available credits buy at the user's own average cost (1 credit if no history). */
export async function readRunway(prisma: PrismaClient, userId: string, availableCredits: number): Promise<{ generations: number; averageCostCredits: number }> {
  const rows = await prisma.$queryRaw<Array<{ average: number | null }>>`
    SELECT AVG(actual_cost_credits)::float AS average FROM (
      SELECT actual_cost_credits FROM generations
      WHERE user_id = ${userId} AND status = 'succeeded' AND actual_cost_credits > 0
      ORDER BY created_at DESC LIMIT 50) recent`;
  const averageCostCredits = Math.max(1, Math.round((rows[0]?.average ?? 1) * 100) / 100);
  return { generations: Math.floor(Math.max(0, availableCredits) / averageCostCredits), averageCostCredits };
}
