import type { LockedAccount } from './account-lock';

/** An account's own cap if an admin set one, else the service-wide MAX_BALANCE. */
export function balanceCapOf(account: Pick<LockedAccount, 'maxBalanceCredits'>, serviceMaxBalanceCredits: number): number {
  return account.maxBalanceCredits ?? serviceMaxBalanceCredits;
}

/** How much of a grant fits under the cap: bonuses and promotions are granted up to it. */
export function roomUnderCap(account: Pick<LockedAccount, 'balanceCredits' | 'maxBalanceCredits'>, serviceMaxBalanceCredits: number): number {
  return Math.max(0, balanceCapOf(account, serviceMaxBalanceCredits) - account.balanceCredits);
}
