import type { CreditPackage } from '../credit-packages';

/** What the user asked auto-recharge to buy: one package every time, or enough to reach a balance. */
export type RechargeChoice = { packageId: string } | { targetBalanceCredits: number };

export type RechargeDecision =
  // `wanted` is what the setting asked for; `pack` is smaller when the cap left no room for it.
  | { kind: 'buy'; pack: CreditPackage; wanted: CreditPackage; cappedDown: boolean }
  | { kind: 'none_fits'; wanted: CreditPackage; roomCredits: number };

const totalOf = (pack: CreditPackage) => pack.credits + pack.bonusCredits;

/**
 * Which package a recharge buys. A fixed package is that package; a target balance is the smallest
 * package that reaches it from the current balance, or the largest when none does. The balance cap
 * then has the last word: the room under it (cap less balance less purchases still in flight, the
 * same sum admitPurchase refuses on) takes the wanted package, else the largest package that fits,
 * else none. Pure, so the rule is tested without a database.
 */
export function chooseRechargePackage(input: {
  choice: RechargeChoice;
  balanceCredits: number;
  pendingPurchaseCredits: number;
  capCredits: number;
  packages: readonly CreditPackage[];
}): RechargeDecision {
  const bySize = [...input.packages].sort((a, b) => totalOf(a) - totalOf(b) || a.priceCents - b.priceCents);
  if (bySize.length === 0) throw new RangeError('There are no credit packages to recharge with');
  const wanted = wantedPackage(input.choice, input.balanceCredits, bySize);
  const roomCredits = Math.max(0, input.capCredits - input.balanceCredits - input.pendingPurchaseCredits);
  if (totalOf(wanted) <= roomCredits) return { kind: 'buy', pack: wanted, wanted, cappedDown: false };
  const fitting = bySize.filter((pack) => totalOf(pack) <= roomCredits);
  const largest = fitting[fitting.length - 1];
  return largest ? { kind: 'buy', pack: largest, wanted, cappedDown: true } : { kind: 'none_fits', wanted, roomCredits };
}

function wantedPackage(choice: RechargeChoice, balanceCredits: number, bySize: readonly CreditPackage[]): CreditPackage {
  if ('packageId' in choice) {
    const fixed = bySize.find((pack) => pack.id === choice.packageId);
    if (!fixed) throw new RangeError(`No credit package ${choice.packageId}`);
    return fixed;
  }
  const missing = choice.targetBalanceCredits - balanceCredits;
  return bySize.find((pack) => totalOf(pack) >= missing) ?? bySize[bySize.length - 1]!;
}
