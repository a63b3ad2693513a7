export const profileKeys = {
  referral: () => ['profile', 'referral'] as const,
  autoRecharge: () => ['profile', 'auto-recharge'] as const,
};
