import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Referral } from '../../api/types';
import { profileKeys } from './keys';

export function useReferral() {
  return useQuery({ queryKey: profileKeys.referral(), queryFn: ({ signal }) => api<Referral>('/users/me/referral', { signal }) });
}
