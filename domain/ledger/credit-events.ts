import { z } from 'zod';

/**
 * The ledger's change events: the trigger in migration 20261127400000 sends one with pg_notify on
 * this channel whenever an account's balance or holds change (`credits`) or a notification is
 * written for its user (`notification`), from the same transaction, so it is delivered on commit.
 */
export const CREDIT_EVENTS_CHANNEL = 'credit_events';

export const creditEventSchema = z.object({ userId: z.string(), kind: z.enum(['credits', 'notification']) });

export type CreditEvent = z.infer<typeof creditEventSchema>;

export function parseCreditEvent(payload: string): CreditEvent | null {
  try {
    const parsed = creditEventSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
