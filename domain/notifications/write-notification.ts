import type { Prisma } from '../../generated/prisma/client';
import type { LedgerTx } from '../ledger/transaction';

export interface NotificationToWrite {
  userId: string;
  kind: string;
  payload: Prisma.InputJsonObject;
  // Derived from what caused it, so a retried step writes it once.
  idempotencyKey: string;
  at: Date;
}

/**
 * Writes a notification into the outbox, in the caller's transaction, so it exists exactly when
 * the change it reports was committed; the relay delivers it and the user lists it. A repeat with
 * the same key changes nothing.
 */
export async function writeNotification(tx: LedgerTx, notification: NotificationToWrite): Promise<void> {
  await tx.notification.createMany({
    data: [{ userId: notification.userId, kind: notification.kind, payload: notification.payload, idempotencyKey: notification.idempotencyKey, createdAt: notification.at }],
    skipDuplicates: true,
  });
}
