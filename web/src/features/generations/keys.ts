import type { GenerationType } from '../../api/types';

export const generationKeys = {
  all: () => ['generations'] as const,
  detail: (id: string) => ['generations', 'detail', id] as const,
  quotes: () => ['generations', 'quote'] as const,
  quote: (type: GenerationType, count: number) => ['generations', 'quote', type, count] as const,
};
