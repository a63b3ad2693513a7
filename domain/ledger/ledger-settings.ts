import type { PrismaClient } from '../../generated/prisma/client';

/**
 * Settings the database's own triggers read (the low-credit threshold). The API and the worker
 * write them from their configuration at start, so the trigger and the service agree.
 */
export async function applyLedgerSettings(prisma: PrismaClient, settings: { lowCreditNotifyBelowCredits: number; lowCreditWarnBelowCredits?: number }): Promise<void> {
  const values = { lowCreditNotifyBelowCredits: settings.lowCreditNotifyBelowCredits, ...(settings.lowCreditWarnBelowCredits !== undefined ? { lowCreditWarnBelowCredits: settings.lowCreditWarnBelowCredits } : {}) };
  await prisma.ledgerSetting.upsert({ where: { id: 1 }, create: { id: 1, ...values }, update: values });
}
