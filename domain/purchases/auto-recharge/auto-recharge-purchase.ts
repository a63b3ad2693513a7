import { createHash, randomUUID } from 'node:crypto';
import type { Purchase } from '../../../generated/prisma/client';
import { lockAccountByUserId } from '../../ledger/account-lock';
import { balanceCapOf } from '../../ledger/balance-cap';
import { expireDueLots } from '../../ledger/expire-lots';
import type { LedgerTx } from '../../ledger/transaction';
import { CREDIT_PACKAGES } from '../credit-packages';
import { admitPurchase } from '../purchase-grant';
import { findPaymentCustomer } from './payment-customers';
import { chooseRechargePackage } from './recharge-plan';

export type AutoRechargePlan =
  | {
      kind: 'purchase';
      purchaseId: string;
      packageId: string;
      credits: number;
      bonusCredits: number;
      priceCents: number;
      currency: string;
      // The package the setting asked for; another one when the balance cap had no room for it.
      wantedPackageId: string;
      providerCustomerId: string;
    }
  | { kind: 'skipped'; code: 'disabled' | 'not_needed' | 'no_payment_method' | 'cap_full'; message: string; turnOff: boolean };

/**
 * Decides a recharge and records its purchase, in one transaction under the account's row lock:
 * nothing is bought when auto-recharge was turned off meanwhile, when the balance is back at or
 * above the threshold (another purchase got there first), or when no card is saved; otherwise the
 * package chooseRechargePackage picks (the balance cap may make it a smaller one, or none) is
 * admitted as an ordinary purchase keyed by the request, so a retry finds it instead of buying again.
 */
export async function planAutoRechargePurchase(tx: LedgerTx, request: { requestId: string; userId: string; workflowId: string; maxBalanceCredits: number; at: Date }): Promise<AutoRechargePlan> {
  const account = await lockAccountByUserId(tx, request.userId);
  const row = await tx.autoRechargeRequest.findUniqueOrThrow({ where: { id: request.requestId } });
  const customer = await findPaymentCustomer(tx, request.userId);
  if (row.purchaseId && customer) return planOf(await tx.purchase.findUniqueOrThrow({ where: { id: row.purchaseId } }), row.wantedPackageId, customer.providerCustomerId);
  const settings = await tx.autoRechargeSetting.findUnique({ where: { userId: request.userId } });
  if (!settings?.enabled) return { kind: 'skipped', code: 'disabled', message: 'Auto-recharge was turned off before the recharge', turnOff: false };
  await expireDueLots(tx, account, request.at, 'system:expiry');
  if (account.balanceCredits >= settings.thresholdCredits) {
    return { kind: 'skipped', code: 'not_needed', message: `The balance of ${account.balanceCredits} is back at or above the threshold of ${settings.thresholdCredits}`, turnOff: false };
  }
  if (!customer?.cardSaved) return { kind: 'skipped', code: 'no_payment_method', message: 'No card is saved: buy a credit package once to save one', turnOff: true };
  const inFlight = await tx.purchase.aggregate({ where: { userId: request.userId, status: { in: ['pending', 'paid'] } }, _sum: { credits: true, bonusCredits: true } });
  const capCredits = balanceCapOf(account, request.maxBalanceCredits);
  const decision = chooseRechargePackage({
    choice: settings.packageId ? { packageId: settings.packageId } : { targetBalanceCredits: settings.targetBalanceCredits! },
    balanceCredits: account.balanceCredits,
    pendingPurchaseCredits: (inFlight._sum.credits ?? 0) + (inFlight._sum.bonusCredits ?? 0),
    capCredits,
    packages: CREDIT_PACKAGES,
  });
  if (decision.kind === 'none_fits') {
    const message = `Nothing bought: the ${decision.wanted.id} package would take the balance above its cap of ${capCredits} credits, and no package fits in the ${decision.roomCredits} credits of room left`;
    return { kind: 'skipped', code: 'cap_full', message, turnOff: false };
  }
  const idempotencyKey = `auto-recharge:${request.requestId}`;
  const { purchase } = await admitPurchase(tx, {
    purchaseId: randomUUID(),
    userId: request.userId,
    creditPackage: decision.pack,
    idempotencyKey,
    requestHash: createHash('sha256').update(idempotencyKey).digest('hex'),
    workflowId: request.workflowId,
    maxBalanceCredits: request.maxBalanceCredits,
    at: request.at,
  });
  await tx.autoRechargeRequest.update({ where: { id: request.requestId }, data: { purchaseId: purchase.id, wantedPackageId: decision.wanted.id } });
  return planOf(purchase, decision.wanted.id, customer.providerCustomerId);
}

function planOf(purchase: Purchase, wantedPackageId: string | null, providerCustomerId: string): AutoRechargePlan {
  return {
    kind: 'purchase',
    purchaseId: purchase.id,
    packageId: purchase.packageId,
    credits: purchase.credits,
    bonusCredits: purchase.bonusCredits,
    priceCents: purchase.priceCents,
    currency: purchase.currency,
    wantedPackageId: wantedPackageId ?? purchase.packageId,
    providerCustomerId,
  };
}
