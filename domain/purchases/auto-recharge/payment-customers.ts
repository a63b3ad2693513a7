import type { PrismaClient } from '../../../generated/prisma/client';
import type { LedgerTx } from '../../ledger/transaction';

/**
 * The user as the payment provider's customer: made at their first checkout, so the card they pay
 * with is saved for off-session charges (Stripe: `setup_future_usage`; the fake provider: a flag).
 * The only writer of `payment_customers`.
 */
export async function findPaymentCustomer(db: PrismaClient | LedgerTx, userId: string): Promise<{ providerCustomerId: string; cardSaved: boolean } | null> {
  const row = await db.paymentCustomer.findUnique({ where: { userId } });
  return row ? { providerCustomerId: row.providerCustomerId, cardSaved: row.cardSavedAt !== null } : null;
}

/**
 * Remembers the provider's customer for the user. Two first checkouts at once may each have made
 * one; the first saved wins and is answered to both, so every later charge names the same customer.
 */
export async function savePaymentCustomer(prisma: PrismaClient, userId: string, providerCustomerId: string): Promise<string> {
  await prisma.paymentCustomer.createMany({ data: [{ userId, providerCustomerId }], skipDuplicates: true });
  return (await prisma.paymentCustomer.findUniqueOrThrow({ where: { userId } })).providerCustomerId;
}

/**
 * A checkout made with the customer was paid: the provider saved its card for later. Idempotent;
 * the first paid checkout's time is kept.
 */
export async function markCardSaved(prisma: PrismaClient, userId: string, at: Date): Promise<void> {
  await prisma.paymentCustomer.updateMany({ where: { userId, cardSavedAt: null }, data: { cardSavedAt: at } });
}
