export const profileKeys = {
  referral: () => ['profile', 'referral'] as const,
  subscription: () => ['profile', 'subscription'] as const,
  autoRecharge: () => ['profile', 'auto-recharge'] as const,
};
