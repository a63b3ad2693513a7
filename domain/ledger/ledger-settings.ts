import type { PrismaClient } from '../../generated/prisma/client';

/**
 * Settings the database's own triggers read (the low-credit threshold). The API and the worker
 * write them from their configuration at start, so the trigger and the service agree.
 */
export async function applyLedgerSettings(prisma: PrismaClient, settings: { lowCreditNotifyBelowCredits: number }): Promise<void> {
  await prisma.ledgerSetting.upsert({
    where: { id: 1 },
    create: { id: 1, lowCreditNotifyBelowCredits: settings.lowCreditNotifyBelowCredits },
    update: { lowCreditNotifyBelowCredits: settings.lowCreditNotifyBelowCredits },
  });
}
