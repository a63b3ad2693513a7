import { randomUUID } from 'node:crypto';
import { NoSavedPaymentMethodError } from '../../../platform/errors';
import type { PrismaClient } from '../../../generated/prisma/client';
import { lockAccountByUserId } from '../../ledger/account-lock';
import type { LedgerTx } from '../../ledger/transaction';
import type { CreditPackageId } from '../credit-packages';
import { findPaymentCustomer } from './payment-customers';

/** What the user sets with PUT /users/me/auto-recharge. */
export interface AutoRechargeSettingsInput {
  enabled: boolean;
  thresholdCredits: number;
  packageId?: CreditPackageId;
  targetBalanceCredits?: number;
}

export interface AutoRechargeOutcomeView {
  code: string;
  message: string;
  purchaseId: string | null;
  at: string;
}

export interface AutoRechargeView {
  enabled: boolean;
  thresholdCredits: number | null;
  packageId: string | null;
  targetBalanceCredits: number | null;
  // A card saved at a paid checkout, which auto-recharge charges off-session.
  savedPaymentMethod: boolean;
  // Why the service turned auto-recharge off (a declined card), until the user turns it on again.
  disabledReason: string | null;
  lastOutcome: AutoRechargeOutcomeView | null;
}

export async function autoRechargeView(db: PrismaClient | LedgerTx, userId: string): Promise<AutoRechargeView> {
  const [settings, customer] = await Promise.all([db.autoRechargeSetting.findUnique({ where: { userId } }), findPaymentCustomer(db, userId)]);
  return {
    enabled: settings?.enabled ?? false,
    thresholdCredits: settings?.thresholdCredits ?? null,
    packageId: settings?.packageId ?? null,
    targetBalanceCredits: settings?.targetBalanceCredits ?? null,
    savedPaymentMethod: customer?.cardSaved ?? false,
    disabledReason: settings?.disabledReason ?? null,
    lastOutcome:
      settings?.lastOutcome && settings.lastOutcomeAt
        ? { code: settings.lastOutcome, message: settings.lastOutcomeMessage ?? '', purchaseId: settings.lastPurchaseId, at: settings.lastOutcomeAt.toISOString() }
        : null,
  };
}

/**
 * Saves the user's settings under the account's row lock, so no spend decides against the old ones
 * meanwhile. Turning it on needs a saved card (refused with NoSavedPaymentMethodError) and clears
 * why it was turned off. Turned on while the balance is already below the threshold, a request is
 * written at once (keyed by the settings' revision): the user asked for credits now, and no
 * crossing would otherwise come until the balance had climbed back over the threshold.
 */
export async function saveAutoRechargeSettings(tx: LedgerTx, userId: string, input: AutoRechargeSettingsInput, at: Date): Promise<{ requestedNow: boolean }> {
  const account = await lockAccountByUserId(tx, userId);
  if (input.enabled && !(await findPaymentCustomer(tx, userId))?.cardSaved) throw new NoSavedPaymentMethodError(userId);
  const values = {
    enabled: input.enabled,
    thresholdCredits: input.thresholdCredits,
    packageId: input.packageId ?? null,
    targetBalanceCredits: input.targetBalanceCredits ?? null,
    ...(input.enabled ? { disabledReason: null } : {}),
  };
  const saved = await tx.autoRechargeSetting.upsert({
    where: { userId },
    create: { userId, ...values, createdAt: at, updatedAt: at },
    update: { ...values, revision: { increment: 1 }, updatedAt: at },
  });
  if (!input.enabled || account.balanceCredits >= input.thresholdCredits) return { requestedNow: false };
  await tx.autoRechargeRequest.createMany({
    data: [{ id: randomUUID(), userId, crossingKey: `enabled:${userId}:${saved.revision}`, balanceCredits: account.balanceCredits, thresholdCredits: input.thresholdCredits, createdAt: at }],
    skipDuplicates: true,
  });
  return { requestedNow: true };
}

export interface AutoRechargeOutcome {
  code: string;
  message: string;
  purchaseId: string | null;
  // A declined card: auto-recharge is turned off with this message as the reason, never retried.
  turnOff: boolean;
}

/** The last recharge's outcome on the settings, and turning them off when the card was declined. */
export async function recordAutoRechargeOutcome(tx: LedgerTx, userId: string, outcome: AutoRechargeOutcome, at: Date): Promise<void> {
  await tx.autoRechargeSetting.updateMany({
    where: { userId },
    data: {
      lastOutcome: outcome.code,
      lastOutcomeMessage: outcome.message,
      lastOutcomeAt: at,
      lastPurchaseId: outcome.purchaseId,
      ...(outcome.turnOff ? { enabled: false, disabledReason: outcome.message } : {}),
      updatedAt: at,
    },
  });
}
