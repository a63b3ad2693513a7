import { Prisma } from '../../generated/prisma/client';
import { AccountNotFoundError } from '../../platform/errors';
import type { LedgerTx } from './transaction';

/** An account as read under its row lock; the mutation keeps it current as it journals. */
export interface LockedAccount {
  id: string;
  userId: string;
  balanceCredits: number;
  reservedCredits: number;
  maxBalanceCredits: number | null;
}

interface AccountRow {
  id: string;
  user_id: string;
  balance_credits: number;
  reserved_credits: number;
  max_balance_credits: number | null;
}

/**
 * Takes the account's row lock for the rest of the transaction. Every mutation of a user's credits
 * starts here, so they apply one after another; operations that touch two accounts lock them in
 * ascending account id order (lockAccountsInOrder) so two opposite transfers cannot deadlock.
 */
export async function lockAccountByUserId(tx: LedgerTx, userId: string): Promise<LockedAccount> {
  const rows = await tx.$queryRaw<AccountRow[]>(lockAccountByUserIdStatement(userId));
  const row = rows[0];
  if (!row) throw new AccountNotFoundError(userId);
  return toLockedAccount(row);
}

// The lock statements the ledger's hot path sends, exported so the plain-pg side of
// tools/bench/ledger-vs-pg.ts sends the same text.
export function lockAccountByUserIdStatement(userId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT id, user_id, balance_credits, reserved_credits, max_balance_credits
    FROM credit_accounts WHERE user_id = ${userId} FOR UPDATE`;
}

export function lockAccountOfReservationStatement(reservationId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT id, user_id, balance_credits, reserved_credits, max_balance_credits
    FROM credit_accounts WHERE id = (SELECT account_id FROM reservations WHERE id = ${reservationId}::uuid) FOR UPDATE`;
}

/**
 * Locks the account a reservation belongs to, found and locked in one statement (a reservation
 * never changes account). Null when there is no such reservation.
 */
export async function lockAccountOfReservation(tx: LedgerTx, reservationId: string): Promise<LockedAccount | null> {
  const rows = await tx.$queryRaw<AccountRow[]>(lockAccountOfReservationStatement(reservationId));
  return rows[0] ? toLockedAccount(rows[0]) : null;
}

export async function lockAccountsInOrder(tx: LedgerTx, userIds: readonly string[]): Promise<Map<string, LockedAccount>> {
  const rows = await tx.$queryRaw<AccountRow[]>`
    SELECT id, user_id, balance_credits, reserved_credits, max_balance_credits
    FROM credit_accounts WHERE user_id = ANY(${[...userIds]}::text[]) ORDER BY id FOR UPDATE`;
  const byUser = new Map(rows.map((row) => [row.user_id, toLockedAccount(row)]));
  for (const userId of userIds) if (!byUser.has(userId)) throw new AccountNotFoundError(userId);
  return byUser;
}

/** Writes the running totals back; the CHECK constraints refuse anything negative. */
export async function saveAccountTotals(tx: LedgerTx, account: LockedAccount): Promise<void> {
  await tx.creditAccount.update({
    where: { id: account.id },
    data: { balanceCredits: account.balanceCredits, reservedCredits: account.reservedCredits },
  });
}

export function availableCredits(account: Pick<LockedAccount, 'balanceCredits' | 'reservedCredits'>): number {
  return account.balanceCredits - account.reservedCredits;
}

function toLockedAccount(row: AccountRow): LockedAccount {
  return {
    id: row.id,
    userId: row.user_id,
    balanceCredits: row.balance_credits,
    reservedCredits: row.reserved_credits,
    maxBalanceCredits: row.max_balance_credits,
  };
}
