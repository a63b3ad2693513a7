import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AutoRecharge, AutoRechargeBody } from '../../api/types';
import { profileKeys } from './keys';

export function useAutoRecharge() {
  return useQuery({ queryKey: profileKeys.autoRecharge(), queryFn: ({ signal }) => api<AutoRecharge>('/users/me/auto-recharge', { signal }) });
}

/** Saves the settings; the answer is the new state, so the cache takes it as it is. */
export function useSaveAutoRecharge() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AutoRechargeBody) => api<AutoRecharge>('/users/me/auto-recharge', { method: 'PUT', body }),
    onSuccess: (saved) => queryClient.setQueryData(profileKeys.autoRecharge(), saved),
  });
}
