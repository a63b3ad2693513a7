export const profileKeys = {
  referral: () => ['profile', 'referral'] as const,
  subscription: () => ['profile', 'subscription'] as const,
};
