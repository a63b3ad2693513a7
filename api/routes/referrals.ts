import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import type { PrismaClient } from '../../generated/prisma/client';
import type { Clock } from '../../platform/clock';
import { countReferralsMade, getOrCreateReferralCode, normalizeReferralCode, readReferralStats, redeemReferralCode, REFERRAL_CODE_PATTERN } from '../../domain/referrals/referral';
import { inLedgerTransaction } from '../../domain/ledger/transaction';
import type { CreditsMetrics } from '../../platform/metrics';
import { recordAchievementProgress } from '../../domain/achievements/achievements';
import { principalOf } from '../auth/authenticate';
import { parseOrThrow } from '../http/validation';

export const redeemReferralBody = z
  .object({
    // Read as Crockford base32 is: any case, hyphens and spaces ignored, I/L as 1 and O as 0.
    code: z
      .string()
      .max(32)
      .transform(normalizeReferralCode)
      .pipe(z.string().regex(REFERRAL_CODE_PATTERN, 'a referral code is 8 letters and digits')),
  })
  .strict();

type ReferralConfig = Pick<Config, 'REFERRAL_BONUS_CREDITS' | 'REFERRAL_MAX_REWARDED_PER_REFERRER' | 'REFERRAL_CLAIM_WINDOW_DAYS' | 'MAX_BALANCE'>;

/** The caller's own code to share, and redeeming a friend's code once, shortly after signing up. */
export function referralRoutes(deps: { prisma: PrismaClient; clock: Clock; config: ReferralConfig; metrics?: CreditsMetrics }): Router {
  const router = Router();

  router.get('/users/me/referral', async (_req, res) => {
    const { userId } = principalOf(res);
    const code = await getOrCreateReferralCode(deps.prisma, userId, deps.clock.now());
    const stats = await readReferralStats(deps.prisma, userId);
    res.json({
      code,
      referredUsers: stats.referredUsers,
      rewardedReferrals: stats.rewardedReferrals,
      maxRewardedReferrals: deps.config.REFERRAL_MAX_REWARDED_PER_REFERRER,
      bonusCredits: deps.config.REFERRAL_BONUS_CREDITS,
    });
  });

  router.post('/users/me/referral', async (req, res) => {
    const body = parseOrThrow(redeemReferralBody, req.body, 'body');
    const { userId } = principalOf(res);
    const at = deps.clock.now();
    const outcome = await inLedgerTransaction(deps.prisma, async (tx) => {
      const redemption = await redeemReferralCode(tx, {
        refereeUserId: userId,
        code: body.code,
        bonusCredits: deps.config.REFERRAL_BONUS_CREDITS,
        maxRewardedPerReferrer: deps.config.REFERRAL_MAX_REWARDED_PER_REFERRER,
        claimWindowDays: deps.config.REFERRAL_CLAIM_WINDOW_DAYS,
        maxBalanceCredits: deps.config.MAX_BALANCE,
        at,
      });
      // The referrer's referral achievements, in the redemption's transaction (both accounts are locked).
      const referralsMade = await countReferralsMade(tx, redemption.referrerUserId);
      await recordAchievementProgress(tx, [{ userId: redemption.referrerUserId, metric: 'referrals_made', value: referralsMade }], { maxBalanceCredits: deps.config.MAX_BALANCE, at });
      return redemption;
    });
    if (!outcome.replayed) deps.metrics?.credits.inc({ movement: 'granted' }, outcome.refereeGrantedCredits + outcome.referrerGrantedCredits);
    // A repeat of the same redemption answers what the first one did, with 200 instead of 201.
    res.status(outcome.replayed ? 200 : 201).json({
      code: outcome.code,
      referee: { requested: outcome.bonusCredits, granted: outcome.refereeGrantedCredits },
      referrer: { rewarded: outcome.referrerRewarded, requested: outcome.referrerRewarded ? outcome.bonusCredits : 0, granted: outcome.referrerGrantedCredits },
    });
  });

  return router;
}
