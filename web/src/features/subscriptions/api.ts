import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Items } from '../../api/types';
import { invalidateCredits } from '../credits/api';
import { subscriptionKeys } from './keys';
import type { MySubscription, SubscriptionPlan } from './types';

export function useSubscriptionPlans() {
  return useQuery({
    queryKey: subscriptionKeys.plans(),
    queryFn: ({ signal }) => api<Items<SubscriptionPlan>>('/subscription-plans', { signal }),
    staleTime: 5 * 60_000,
  });
}

/** The caller's subscription (bought or admin-set), or null; polls while a checkout is being confirmed. */
export function useMySubscription(options: { pollWhileIncomplete?: boolean } = {}) {
  return useQuery({
    queryKey: subscriptionKeys.mine(),
    queryFn: async ({ signal }) => (await api<{ subscription: MySubscription | null }>('/users/me/subscription', { signal })).subscription,
    refetchInterval: (query) => (options.pollWhileIncomplete && (!query.state.data || query.state.data.status === 'incomplete') ? 1_000 : false),
  });
}

/** Opens the provider's checkout for a plan and goes there; the API adds `?subscription=<id>` to the return URLs. */
export function useSubscribe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (planId: string) => {
      const origin = window.location.origin;
      return api<{ subscription: MySubscription }>('/users/me/subscription', {
        method: 'POST',
        body: { planId, returnUrls: { success: `${origin}/premium/credits/success`, cancel: `${origin}/premium/credits/failure` } },
      });
    },
    onSuccess: ({ subscription }) => {
      queryClient.setQueryData(subscriptionKeys.mine(), subscription);
      if (subscription.checkoutUrl) window.location.assign(subscription.checkoutUrl);
    },
  });
}

/** Cancels at the period's end; the credits already granted stay. */
export function useCancelSubscription() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ subscription: MySubscription }>('/users/me/subscription', { method: 'DELETE' }),
    onSuccess: ({ subscription }) => {
      queryClient.setQueryData(subscriptionKeys.mine(), subscription);
    },
  });
}

/** After the checkout: the plan's first credits may have arrived, so the balance is refreshed too. */
export function useRefreshAfterCheckout() {
  const queryClient = useQueryClient();
  return () => Promise.all([queryClient.invalidateQueries({ queryKey: subscriptionKeys.mine() }), invalidateCredits(queryClient)]);
}
