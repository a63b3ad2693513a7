import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AdjustmentBody, AdjustmentOutcome, Campaign, CreateCampaignBody, HistoryPage, Items, SagaFilters, SagaList } from '../../api/types';
import { adminKeys } from './keys';

export function useUserHistory(userId: string) {
  return useInfiniteQuery({
    queryKey: adminKeys.userHistory(userId),
    queryFn: ({ pageParam, signal }) => api<HistoryPage>(`/admin/users/${encodeURIComponent(userId)}/credit-history`, { query: { limit: 25, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: userId !== '',
  });
}

export function useAdjustCredits(userId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: AdjustmentBody; idempotencyKey: string }) =>
      api<AdjustmentOutcome>(`/admin/users/${encodeURIComponent(userId)}/credit-adjustments`, { method: 'POST', body, idempotencyKey }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.userHistory(userId) }),
  });
}

export function useCampaigns() {
  return useQuery({ queryKey: adminKeys.campaigns(), queryFn: ({ signal }) => api<Items<Campaign>>('/admin/campaigns', { query: { limit: 100 }, signal }) });
}

export function useCreateCampaign() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: CreateCampaignBody; idempotencyKey: string }) => api<Campaign>('/admin/campaigns', { method: 'POST', body, idempotencyKey }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.campaigns() }),
  });
}

export type CampaignAction = 'pause' | 'resume' | 'delete';

export function useCampaignAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action, reason }: { id: string; action: CampaignAction; reason: string }) =>
      action === 'delete'
        ? api<Campaign>(`/admin/campaigns/${encodeURIComponent(id)}`, { method: 'DELETE', body: { reason } })
        : api<Campaign>(`/admin/campaigns/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: { reason } }),
    onSuccess: (campaign) => {
      queryClient.setQueryData<Items<Campaign>>(adminKeys.campaigns(), (old) => (old ? { items: old.items.map((item) => (item.id === campaign.id ? campaign : item)) } : old));
      void queryClient.invalidateQueries({ queryKey: adminKeys.campaigns() });
    },
  });
}

export function useSagas(filters: SagaFilters) {
  return useQuery({
    queryKey: adminKeys.sagas(filters),
    queryFn: ({ signal }) => api<SagaList>('/admin/sagas', { query: { stuck: filters.stuck ? 'true' : undefined, status: filters.status, userId: filters.userId, limit: 50 }, signal }),
  });
}

export function useSagaAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ workflowId, action, reason }: { workflowId: string; action: 'cancel' | 'retry-step'; reason: string }) =>
      api<{ workflowId: string; action: string; accepted: boolean; status: string; step: string }>(`/admin/sagas/${encodeURIComponent(workflowId)}/${action}`, { method: 'POST', body: { reason } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: adminKeys.sagasAll() }),
  });
}
