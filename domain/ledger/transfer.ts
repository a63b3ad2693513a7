import {
  AccountNotFoundError,
  BalanceCapExceededError,
  IdempotencyKeyReusedError,
  InsufficientCreditsError,
  RecipientNotFoundError,
  TransferToSelfError,
} from '../../platform/errors';
import { availableCredits, lockAccountsInOrder, saveAccountTotals, type LockedAccount } from './account-lock';
import { balanceCapOf } from './balance-cap';
import { debitLots, recordLotDebits } from './debit-lots';
import { expireDueLots } from './expire-lots';
import { appendJournalEntry } from './journal';
import type { PrismaClient } from '../../generated/prisma/client';
import type { LedgerTx } from './transaction';

export interface TransferRequest {
  fromUserId: string;
  toUserId: string;
  credits: number;
  note: string | null;
  idempotencyKey: string;
  requestHash: string;
  maxBalanceCredits: number;
  at: Date;
}

export interface TransferOutcome {
  transferId: string;
  credits: number;
  replayed: boolean;
  senderAvailableCredits: number;
}

/**
 * A gift: one transaction takes the credits from the sender's lots in burn order and grants the
 * receiver `transfer` lots that keep the expiry of the credits they came from (a gift cannot
 * outlive what was given). Both accounts are locked in id order, so two users sending to each
 * other at once queue instead of deadlocking.
 */
export async function transferCredits(tx: LedgerTx, request: TransferRequest): Promise<TransferOutcome> {
  if (request.fromUserId === request.toUserId) throw new TransferToSelfError();
  const { sender, receiver } = await lockBoth(tx, request);
  const existing = await tx.creditTransfer.findUnique({
    where: { fromAccountId_idempotencyKey: { fromAccountId: sender.id, idempotencyKey: request.idempotencyKey } },
  });
  if (existing) {
    if (existing.requestHash !== request.requestHash) throw new IdempotencyKeyReusedError(request.idempotencyKey);
    return { transferId: existing.id, credits: existing.amountCredits, replayed: true, senderAvailableCredits: availableCredits(sender) };
  }
  await expireDueLots(tx, sender, request.at, 'system:expiry');
  await expireDueLots(tx, receiver, request.at, 'system:expiry');
  if (availableCredits(sender) < request.credits) throw new InsufficientCreditsError(request.credits, availableCredits(sender));
  const cap = balanceCapOf(receiver, request.maxBalanceCredits);
  if (receiver.balanceCredits + request.credits > cap) {
    throw new BalanceCapExceededError(request.toUserId, cap, receiver.balanceCredits, request.credits);
  }
  const transfer = await tx.creditTransfer.create({
    data: {
      fromAccountId: sender.id,
      toAccountId: receiver.id,
      amountCredits: request.credits,
      note: request.note,
      idempotencyKey: request.idempotencyKey,
      requestHash: request.requestHash,
      createdAt: request.at,
    },
    select: { id: true },
  });
  await moveCredits(tx, sender, receiver, transfer.id, request);
  await saveAccountTotals(tx, sender);
  await saveAccountTotals(tx, receiver);
  return { transferId: transfer.id, credits: request.credits, replayed: false, senderAvailableCredits: availableCredits(sender) };
}

async function lockBoth(tx: LedgerTx, request: TransferRequest): Promise<{ sender: LockedAccount; receiver: LockedAccount }> {
  try {
    const locked = await lockAccountsInOrder(tx, [request.fromUserId, request.toUserId]);
    return { sender: locked.get(request.fromUserId)!, receiver: locked.get(request.toUserId)! };
  } catch (error) {
    if (error instanceof AccountNotFoundError && error.details.userId === request.toUserId) throw new RecipientNotFoundError(request.toUserId);
    throw error;
  }
}

async function moveCredits(tx: LedgerTx, sender: LockedAccount, receiver: LockedAccount, transferId: string, request: TransferRequest): Promise<void> {
  const draws = await debitLots(tx, sender, request.credits, request.at);
  const common = { relatedType: 'transfer', relatedId: transferId, at: request.at };
  const outEntryId = await appendJournalEntry(tx, sender, {
    ...common,
    type: 'transfer_out',
    amountCredits: -request.credits,
    reason: request.note ? `Sent to ${request.toUserId}: ${request.note}` : `Sent to ${request.toUserId}`,
    actor: `user:${request.fromUserId}`,
    idempotencyKey: `transfer:${transferId}:out`,
    metadata: { toUserId: request.toUserId, lots: draws.map((draw) => ({ lotId: draw.lotId, credits: draw.credits })) },
  });
  await recordLotDebits(tx, outEntryId, draws);
  const byExpiry = new Map<number | null, number>();
  for (const draw of draws) {
    const key = draw.expiresAt?.getTime() ?? null;
    byExpiry.set(key, (byExpiry.get(key) ?? 0) + draw.credits);
  }
  const lots = [];
  for (const [expiry, credits] of byExpiry) {
    const lot = await tx.creditLot.create({
      data: { accountId: receiver.id, source: 'transfer', grantedCredits: credits, remainingCredits: credits, expiresAt: expiry === null ? null : new Date(expiry), relatedId: transferId, createdAt: request.at },
      select: { id: true },
    });
    lots.push({ lotId: lot.id, credits });
  }
  await appendJournalEntry(tx, receiver, {
    ...common,
    type: 'transfer_in',
    amountCredits: request.credits,
    reason: request.note ? `Received from ${request.fromUserId}: ${request.note}` : `Received from ${request.fromUserId}`,
    actor: `user:${request.fromUserId}`,
    idempotencyKey: `transfer:${transferId}:in`,
    // The soonest expiry of what was received (null: never), shown by the history as expiresAt.
    metadata: { fromUserId: request.fromUserId, lots, source: 'transfer', expiresAt: soonestExpiry(byExpiry.keys()) },
  });
}

function soonestExpiry(expiries: Iterable<number | null>): string | null {
  const dated = [...expiries].filter((expiry): expiry is number => expiry !== null);
  return dated.length === 0 ? null : new Date(Math.min(...dated)).toISOString();
}

/** How many gifts the user has sent: the achievements' `gifts_sent`, read under the caller's transaction. */
export async function countTransfersSent(tx: LedgerTx, userId: string): Promise<number> {
  return tx.creditTransfer.count({ where: { fromAccount: { userId } } });
}

export interface TransferView {
  id: string;
  direction: 'sent' | 'received';
  fromUserId: string;
  toUserId: string;
  amount: number;
  note: string | null;
  createdAt: string;
}

/**
 * The user's transfers, sent and received, newest first, a page at a time: `before` is the
 * (createdAt, id) of the last transfer of the previous page, so pages stay stable as new ones arrive.
 */
export async function listTransfers(
  prisma: PrismaClient,
  userId: string,
  page: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<{ items: TransferView[]; next: { createdAt: Date; id: string } | null }> {
  const before = page.before;
  const rows = await prisma.creditTransfer.findMany({
    where: {
      OR: [{ fromAccount: { userId } }, { toAccount: { userId } }],
      ...(before ? { AND: [{ OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
    include: { fromAccount: { select: { userId: true } }, toAccount: { select: { userId: true } } },
  });
  const items = rows.slice(0, page.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((row) => ({
      id: row.id,
      direction: row.fromAccount.userId === userId ? 'sent' : 'received',
      fromUserId: row.fromAccount.userId,
      toUserId: row.toAccount.userId,
      amount: row.amountCredits,
      note: row.note,
      createdAt: row.createdAt.toISOString(),
    })),
    next: rows.length > page.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}
