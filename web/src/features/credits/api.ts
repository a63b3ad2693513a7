import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AnalyticsBucket, CreditAnalytics, CreditSummary, DailyBonusClaim, HistoryFilters, HistoryPage } from '../../api/types';
import { creditKeys } from './keys';

export const BALANCE_REFRESH_MS = 60_000;

export function fetchBalance(signal?: AbortSignal): Promise<CreditSummary> {
  return api<CreditSummary>('/users/me/credits', { signal });
}

/** The balance, shared by the header, home and profile; also pushed by server-sent events. */
export function useBalance() {
  return useQuery({
    queryKey: creditKeys.balance(),
    queryFn: ({ signal }) => fetchBalance(signal),
    refetchInterval: BALANCE_REFRESH_MS,
    refetchOnWindowFocus: true,
  });
}

/** After anything that moves credits: the balance and the history changed. */
export function invalidateCredits(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: creditKeys.balance() }),
    queryClient.invalidateQueries({ queryKey: creditKeys.histories() }),
    queryClient.invalidateQueries({ queryKey: creditKeys.analyticsAll() }),
  ]).then(() => undefined);
}

const HISTORY_PAGE_SIZE = 25;

function historyQuery(filters: HistoryFilters) {
  return {
    type: filters.types && filters.types.length > 0 ? filters.types.join(',') : undefined,
    from: filters.from,
    to: filters.to,
  };
}

export function useHistory(filters: HistoryFilters) {
  return useInfiniteQuery({
    queryKey: creditKeys.history(filters),
    queryFn: ({ pageParam, signal }) =>
      api<HistoryPage>('/users/me/credit-history', { query: { ...historyQuery(filters), limit: HISTORY_PAGE_SIZE, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useRecentHistory(limit: number) {
  return useQuery({
    queryKey: creditKeys.recent(limit),
    queryFn: ({ signal }) => api<HistoryPage>('/users/me/credit-history', { query: { limit }, signal }),
  });
}

export function useDailyBonus() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<DailyBonusClaim>('/users/me/daily-bonus', { method: 'POST' }),
    onSuccess: () => invalidateCredits(queryClient),
  });
}

export function useAnalytics(bucket: AnalyticsBucket) {
  return useQuery({
    queryKey: creditKeys.analytics(bucket),
    queryFn: ({ signal }) => api<CreditAnalytics>('/users/me/credit-analytics', { query: { bucket }, signal }),
  });
}
