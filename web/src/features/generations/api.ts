import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, newIdempotencyKey } from '../../api/client';
import { TERMINAL_GENERATION_STATUSES, type CreateGenerationBody, type Generation, type GenerationQuote, type GenerationType } from '../../api/types';
import { invalidateCredits } from '../credits/api';
import { generationKeys } from './keys';

export const MAX_ITEMS_PER_GENERATION = 50;
const POLL_MS = 1_000;

export function isTerminal(generation: Pick<Generation, 'status'> | undefined): boolean {
  return generation !== undefined && TERMINAL_GENERATION_STATUSES.includes(generation.status);
}

export function useQuote(type: GenerationType, count: number, enabled: boolean) {
  return useQuery({
    queryKey: generationKeys.quote(type, count),
    queryFn: ({ signal }) => api<GenerationQuote>('/generations/quote', { query: { type, count }, signal }),
    enabled,
    placeholderData: (previous) => previous,
    staleTime: 30_000,
  });
}

export function useCreateGeneration() {
  const queryClient = useQueryClient();
  return useMutation({
    // One Idempotency-Key per attempt (per submit), so a network retry cannot start a second saga.
    mutationFn: ({ body, idempotencyKey }: { body: CreateGenerationBody; idempotencyKey: string }) =>
      api<Generation>('/generations', { method: 'POST', body, idempotencyKey }),
    onSuccess: (generation) => {
      queryClient.setQueryData(generationKeys.detail(generation.id), generation);
      // The hold moved available credits (and a refused hold may mean the balance was stale).
      void invalidateCredits(queryClient);
      void queryClient.invalidateQueries({ queryKey: generationKeys.quotes() });
    },
    onError: () => void invalidateCredits(queryClient),
  });
}

export function generationRequest(type: GenerationType, count: number, text: string) {
  return { body: { type, input: { text, count } }, idempotencyKey: newIdempotencyKey() };
}

/** Polls a generation until it ends; when it ends the balance and history are refreshed once. */
export function useGeneration(id: string) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: generationKeys.detail(id),
    queryFn: ({ signal }) => api<Generation>(`/generations/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (q) => (isTerminal(q.state.data) ? false : POLL_MS),
  });
  const terminal = isTerminal(query.data);
  const wasTerminal = useRef<boolean | null>(null);
  useEffect(() => {
    // Only on the transition to an end state (not when opening an old finished generation).
    if (wasTerminal.current === false && terminal) {
      void invalidateCredits(queryClient);
      void queryClient.invalidateQueries({ queryKey: generationKeys.quotes() });
    }
    if (query.data) wasTerminal.current = terminal;
  }, [terminal, query.data, queryClient]);
  return query;
}

export function useCancelGeneration(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<Generation>(`/generations/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: { reason: 'Cancelled by the user in the web app' } }),
    onSuccess: (generation) => queryClient.setQueryData(generationKeys.detail(id), generation),
    onSettled: () => queryClient.invalidateQueries({ queryKey: generationKeys.detail(id) }),
  });
}
