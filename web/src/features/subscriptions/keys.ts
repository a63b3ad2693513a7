export const subscriptionKeys = {
  plans: () => ['subscriptions', 'plans'] as const,
  mine: () => ['subscriptions', 'mine'] as const,
};
