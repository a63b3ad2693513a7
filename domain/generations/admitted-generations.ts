import type { PrismaClient } from '../../generated/prisma/client';
import type { GenerationType } from '../../generated/prisma/enums';

/** An admitted request still `pending`: what its saga needs to be started (again). */
export interface AdmittedGeneration {
  generationId: string;
  userId: string;
  workflowId: string;
  type: GenerationType;
  requestedCount: number;
  inputText: string;
  estimatedCostCredits: number;
}

/**
 * Admitted requests still `pending` that were recorded between `createdAfter` and `createdBefore`,
 * in id order after `afterId`: the start relay's candidates. The API starts each saga just after
 * the admission commits; a request still `pending` a while later either has a saga that has not
 * reserved yet, or lost its start (the API crashed, or Temporal went away, between the commit and
 * the start). Only the second needs the relay, which tells them apart by asking Temporal.
 */
export async function findAdmittedGenerations(
  prisma: PrismaClient,
  window: { createdAfter: Date; createdBefore: Date; afterId: string | null; pageSize: number },
): Promise<AdmittedGeneration[]> {
  const rows = await prisma.generation.findMany({
    where: {
      status: 'pending',
      createdAt: { gt: window.createdAfter, lt: window.createdBefore },
      ...(window.afterId === null ? {} : { id: { gt: window.afterId } }),
    },
    orderBy: { id: 'asc' },
    take: window.pageSize,
    select: { id: true, userId: true, workflowId: true, type: true, requestedCount: true, inputText: true, estimatedCostCredits: true },
  });
  return rows.map(({ id, ...row }) => ({ generationId: id, ...row }));
}
