import type { Prisma, PrismaClient } from '../../generated/prisma/client';

/**
 * The payment provider's events as received, one row per event id: what makes a redelivered event
 * a duplicate, and the record of what was done with each. The only writer of `payment_webhook_events`.
 */

// The outcome of an event claimed by a delivery that has not settled it yet.
export const WEBHOOK_EVENT_PROCESSING = 'processing';

export type WebhookEventClaim = { claimed: true } | { claimed: false; outcome: string };

/**
 * Claims an event for the delivery that calls this: insert first, keyed by the provider's unique
 * event id, so of concurrent deliveries exactly one wins and the others learn it is a duplicate.
 * A row left unsettled (its signal failed and was released, or its process died and the claim is
 * older than `leaseMs`) is claimed again, so the provider's retry still reaches the saga.
 */
export async function claimWebhookEvent(
  prisma: PrismaClient,
  event: { eventId: string; type: string; paymentIntentId: string; payload: Prisma.InputJsonValue },
  at: Date,
  leaseMs: number,
): Promise<WebhookEventClaim> {
  const inserted = await prisma.paymentWebhookEvent.createMany({ data: [{ ...event, outcome: WEBHOOK_EVENT_PROCESSING, claimedAt: at }], skipDuplicates: true });
  if (inserted.count === 1) return { claimed: true };
  const retaken = await prisma.paymentWebhookEvent.updateMany({
    where: { eventId: event.eventId, processedAt: null, OR: [{ claimedAt: null }, { claimedAt: { lt: new Date(at.getTime() - leaseMs) } }] },
    data: { claimedAt: at },
  });
  if (retaken.count === 1) return { claimed: true };
  const row = await prisma.paymentWebhookEvent.findUniqueOrThrow({ where: { eventId: event.eventId }, select: { outcome: true } });
  return { claimed: false, outcome: row.outcome };
}

/** Gives a claim back (signalling failed), so the provider's next delivery acts on the event. */
export async function releaseWebhookEvent(prisma: PrismaClient, eventId: string): Promise<void> {
  await prisma.paymentWebhookEvent.updateMany({ where: { eventId, processedAt: null }, data: { claimedAt: null } });
}

/** Records what was done with a claimed event; from then on every delivery of it is a duplicate. */
export async function settleWebhookEvent(prisma: PrismaClient, eventId: string, settled: { outcome: string; purchaseId: string | null }, at: Date): Promise<void> {
  await prisma.paymentWebhookEvent.update({ where: { eventId }, data: { ...settled, processedAt: at } });
}
