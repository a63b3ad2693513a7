import type { PrismaClient } from '../../generated/prisma/client';
import { readAvailableCredits } from '../ledger/credit-summary';
import { creditsNeededToReserve } from '../ledger/reserve';
import type { GenerationType } from './generator';
import { priceGenerationCredits } from './pricing';

export interface GenerationQuote {
  type: GenerationType;
  count: number;
  estimatedCost: number;
  available: number;
  affordable: boolean;
  minCreditsToGenerate: number;
}

/**
 * What a generation would cost and whether the caller can start it now, without side effects: the
 * page shows the cost before the user submits. The saga's reservation stays the authority; this is
 * the same rule read without a lock, so a quote can be overtaken by a concurrent spend.
 */
export async function quoteGeneration(prisma: PrismaClient, request: { userId: string; type: GenerationType; count: number; minCreditsToGenerate: number }): Promise<GenerationQuote> {
  const estimatedCost = priceGenerationCredits(request.type, request.count);
  const available = await readAvailableCredits(prisma, request.userId);
  return {
    type: request.type,
    count: request.count,
    estimatedCost,
    available,
    affordable: available >= creditsNeededToReserve(estimatedCost, request.minCreditsToGenerate),
    minCreditsToGenerate: request.minCreditsToGenerate,
  };
}
