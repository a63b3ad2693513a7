export const profileKeys = {
  referral: () => ['profile', 'referral'] as const,
};
