import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { isApiError } from '../../api/errors';
import type { Referral, Subscription } from '../../api/types';
import { profileKeys } from './keys';

export function useReferral() {
  return useQuery({ queryKey: profileKeys.referral(), queryFn: ({ signal }) => api<Referral>('/users/me/referral', { signal }) });
}

/** The caller's plan, or null when they have none (404, including while the route does not exist). */
export function useSubscription() {
  return useQuery({
    queryKey: profileKeys.subscription(),
    queryFn: async ({ signal }) => {
      try {
        return await api<Subscription>('/users/me/subscription', { signal });
      } catch (error) {
        if (isApiError(error) && error.status === 404) return null;
        throw error;
      }
    },
    retry: false,
  });
}
