import { lockAccountByUserId, type LockedAccount } from './account-lock';
import type { LedgerTx } from './transaction';

/** An account's own cap if an admin set one, else the service-wide MAX_BALANCE. */
export function balanceCapOf(account: Pick<LockedAccount, 'maxBalanceCredits'>, serviceMaxBalanceCredits: number): number {
  return account.maxBalanceCredits ?? serviceMaxBalanceCredits;
}

/** How much of a grant fits under the cap: bonuses and promotions are granted up to it. */
export function roomUnderCap(account: Pick<LockedAccount, 'balanceCredits' | 'maxBalanceCredits'>, serviceMaxBalanceCredits: number): number {
  return Math.max(0, balanceCapOf(account, serviceMaxBalanceCredits) - account.balanceCredits);
}

/**
 * Sets (or, with null, clears back to MAX_BALANCE) one account's cap, under the account's lock so
 * no grant decides against the old cap meanwhile. A cap below the balance takes nothing away: it
 * only stops further credits until the balance is under it.
 */
export async function setAccountBalanceCap(
  tx: LedgerTx,
  userId: string,
  maxBalanceCredits: number | null,
): Promise<{ previousMaxBalanceCredits: number | null; maxBalanceCredits: number | null; balanceCredits: number }> {
  const account = await lockAccountByUserId(tx, userId);
  await tx.creditAccount.update({ where: { id: account.id }, data: { maxBalanceCredits } });
  return { previousMaxBalanceCredits: account.maxBalanceCredits, maxBalanceCredits, balanceCredits: account.balanceCredits };
}
