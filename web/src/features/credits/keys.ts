import type { AnalyticsBucket, HistoryFilters } from '../../api/types';

/** Query keys for the signed-in user's credits. The cache is cleared whenever the user changes. */
export const creditKeys = {
  all: () => ['credits'] as const,
  balance: () => ['credits', 'balance'] as const,
  /** Prefix of every history query (the infinite list and the home page's recent entries). */
  histories: () => ['credits', 'history'] as const,
  history: (filters: HistoryFilters) => ['credits', 'history', 'list', filters] as const,
  recent: (limit: number) => ['credits', 'history', 'recent', limit] as const,
  analyticsAll: () => ['credits', 'analytics'] as const,
  analytics: (bucket: AnalyticsBucket) => ['credits', 'analytics', bucket] as const,
};
