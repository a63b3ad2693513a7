import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { lockAccountByUserId } from './account-lock';
import { grantLot } from './grant';
import { defaultLotExpiry } from './lot-policy';
import { inLedgerTransaction } from './transaction';

export interface OpenAccountOptions {
  userId: string;
  signupCredits: number;
  clock: Clock;
}

/**
 * Opens the user's account on first sight, with the signup grant journaled like any movement.
 * Safe to call on every request and from concurrent requests: the user and the account are
 * inserted with ON CONFLICT DO NOTHING, and the grant is keyed by `welcome:<userId>`.
 */
/** Returns the credits granted now: the signup grant if this call opened the account, else 0. */
export async function openAccountIfMissing(prisma: PrismaClient, options: OpenAccountOptions): Promise<number> {
  const { userId, signupCredits, clock } = options;
  return inLedgerTransaction(prisma, async (tx) => {
    await tx.$executeRaw`INSERT INTO users (id) VALUES (${userId}) ON CONFLICT (id) DO NOTHING`;
    const opened = await tx.$executeRaw`
      INSERT INTO credit_accounts (id, user_id, updated_at) VALUES (gen_random_uuid(), ${userId}, now())
      ON CONFLICT (user_id) DO NOTHING`;
    if (opened === 0 || signupCredits === 0) return 0;
    const account = await lockAccountByUserId(tx, userId);
    const at = clock.now();
    const granted = await grantLot(tx, account, {
      source: 'signup',
      credits: signupCredits,
      expiresAt: defaultLotExpiry('signup', at),
      reason: 'Welcome credits',
      actor: 'system:signup',
      // One welcome per user, whichever comes first: this signup grant or the backfill's
      // migration grant (domain/backfill) share the key.
      idempotencyKey: `welcome:${userId}`,
      at,
    });
    return granted.kind === 'granted' ? granted.credits : 0;
  });
}
