import type { SagaFilters } from '../../api/types';

export const adminKeys = {
  all: () => ['admin'] as const,
  userHistory: (userId: string) => ['admin', 'user', userId, 'history'] as const,
  campaigns: () => ['admin', 'campaigns'] as const,
  sagasAll: () => ['admin', 'sagas'] as const,
  sagas: (filters: SagaFilters) => ['admin', 'sagas', filters] as const,
};
