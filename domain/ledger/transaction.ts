import { Prisma, type PrismaClient } from '../../generated/prisma/client';

export type LedgerTx = Prisma.TransactionClient;

// Under a burst (100 sagas of one user reserving at once) transactions queue on the account's
// row lock and on the pool; they wait rather than fail, and still finish in well under a second.
const TRANSACTION_OPTIONS = {
  maxWait: 15_000,
  timeout: 20_000,
  isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted,
} as const;

/**
 * Every ledger mutation runs inside one of these: it commits whole or not at all. Read Committed
 * is enough because every mutation first takes the account's row lock (lockAccount), which
 * serialises all changes to one user's credits.
 */
export function inLedgerTransaction<T>(prisma: PrismaClient, work: (tx: LedgerTx) => Promise<T>): Promise<T> {
  return prisma.$transaction(work, TRANSACTION_OPTIONS);
}
