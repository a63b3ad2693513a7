import type { PrismaClient } from '../../generated/prisma/client';
import { AccountNotFoundError } from '../../platform/errors';

export interface CreditSummary {
  balanceCredits: number;
  reservedCredits: number;
  availableCredits: number;
  // Soonest expiry among lots that still hold credits, with how much expires then.
  nextExpiry: { at: Date; credits: number } | null;
}

/** What GET /users/me/credits shows; a plain read, no locks. */
export async function readCreditSummary(prisma: PrismaClient, userId: string, now: Date): Promise<CreditSummary> {
  const account = await prisma.creditAccount.findUnique({ where: { userId } });
  if (!account) throw new AccountNotFoundError(userId);
  const nextLot = await prisma.creditLot.findFirst({
    where: { accountId: account.id, remainingCredits: { gt: 0 }, expiresAt: { gt: now } },
    orderBy: { expiresAt: 'asc' },
    select: { expiresAt: true },
  });
  let nextExpiry: CreditSummary['nextExpiry'] = null;
  if (nextLot?.expiresAt) {
    const expiring = await prisma.creditLot.aggregate({
      where: { accountId: account.id, remainingCredits: { gt: 0 }, expiresAt: nextLot.expiresAt },
      _sum: { remainingCredits: true },
    });
    nextExpiry = { at: nextLot.expiresAt, credits: expiring._sum.remainingCredits ?? 0 };
  }
  return {
    balanceCredits: account.balanceCredits,
    reservedCredits: account.reservedCredits,
    availableCredits: account.balanceCredits - account.reservedCredits,
    nextExpiry,
  };
}

/** What the user can spend right now (balance less holds); 0 for a user with no account yet. */
export async function readAvailableCredits(prisma: PrismaClient, userId: string): Promise<number> {
  const account = await prisma.creditAccount.findUnique({ where: { userId }, select: { balanceCredits: true, reservedCredits: true } });
  return account ? account.balanceCredits - account.reservedCredits : 0;
}

/** Whether `userId` has a credit account: users become known to the service when it opens. */
export async function creditAccountExists(prisma: PrismaClient, userId: string): Promise<boolean> {
  return (await prisma.creditAccount.count({ where: { userId } })) > 0;
}
