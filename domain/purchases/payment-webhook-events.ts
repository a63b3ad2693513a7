import type { PaymentWebhookEvent as PaymentWebhookEventRow, Prisma, PrismaClient } from '../../generated/prisma/client';

/**
 * The payment provider's events as received, one row per event id: what makes a redelivered event
 * a duplicate, and the record of what was done with each. The only writer of `payment_webhook_events`.
 */
export function findWebhookEvent(prisma: PrismaClient, eventId: string): Promise<PaymentWebhookEventRow | null> {
  return prisma.paymentWebhookEvent.findUnique({ where: { eventId } });
}

/** Records a first delivery; a concurrent delivery of the same id that got there first wins. */
export async function recordWebhookEvent(
  prisma: PrismaClient,
  event: { eventId: string; type: string; paymentIntentId: string; purchaseId: string | null; outcome: string; payload: Prisma.InputJsonValue },
): Promise<void> {
  await prisma.paymentWebhookEvent.createMany({ data: [event], skipDuplicates: true });
}

export async function settleWebhookEvent(prisma: PrismaClient, eventId: string, outcome: string, at: Date): Promise<void> {
  await prisma.paymentWebhookEvent.update({ where: { eventId }, data: { outcome, processedAt: at } });
}
