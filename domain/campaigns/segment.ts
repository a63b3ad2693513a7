import { z } from 'zod';
import { userIdSchema } from '../ledger/user-id';
import { Prisma } from '../../generated/prisma/client';
import { storableInstant } from '../../platform/storable-values';

/**
 * Who a campaign grants to. Stored as JSON on the campaign and parsed again by every run, so a
 * campaign written by an older version of this schema fails loudly instead of granting to the
 * wrong people.
 */
export const campaignSegmentSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all_users') }).strict(),
  z
    .object({ kind: z.literal('created_between'), from: storableInstant(), to: storableInstant() })
    .strict()
    .refine((segment) => segment.from < segment.to, { message: 'from must be before to', path: ['to'] }),
  // Available credits (balance minus held) at the moment of the grant, read under the account's lock.
  z.object({ kind: z.literal('below_credits'), credits: z.number().int().positive().max(1_000_000) }).strict(),
  z.object({ kind: z.literal('user_ids'), userIds: z.array(userIdSchema).min(1).max(10_000) }).strict(),
]);

export type CampaignSegment = z.infer<typeof campaignSegmentSchema>;

/** The segment as JSON for the campaign row (dates as ISO strings). */
export function segmentToJson(segment: CampaignSegment): Prisma.InputJsonObject {
  if (segment.kind === 'created_between') return { kind: segment.kind, from: segment.from.toISOString(), to: segment.to.toISOString() };
  return segment;
}

/**
 * The segment as a condition on `u` (users) and `a` (their credit_accounts row). Users without a
 * credit account are never in a segment: they have not used credits yet, and the backfill or their
 * first visit opens their account with its own grant.
 */
export function segmentCondition(segment: CampaignSegment): Prisma.Sql {
  switch (segment.kind) {
    case 'all_users':
      return Prisma.sql`TRUE`;
    case 'created_between':
      return Prisma.sql`u.created_at >= ${segment.from} AND u.created_at < ${segment.to}`;
    case 'below_credits':
      return Prisma.sql`a.balance_credits - a.reserved_credits < ${segment.credits}`;
    case 'user_ids':
      return Prisma.sql`u.id = ANY(${segment.userIds}::text[])`;
  }
}
