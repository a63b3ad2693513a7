import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { apiUrl, authHeader } from '../api/client';
import { EventStreamHttpError, readEventStream, type ServerEvent } from '../api/sse';
import type { CreditSummary } from '../api/types';
import { creditKeys } from '../features/credits/keys';
import { generationKeys } from '../features/generations/keys';
import { notificationKeys } from '../features/notifications/keys';
import { profileKeys } from '../features/profile/keys';

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

function parse(event: ServerEvent): unknown {
  try {
    return JSON.parse(event.data);
  } catch {
    return undefined;
  }
}

function isCreditSummary(value: unknown): value is CreditSummary {
  return typeof value === 'object' && value !== null && typeof (value as CreditSummary).available === 'number' && typeof (value as CreditSummary).balance === 'number';
}

/**
 * Subscribes to GET /users/me/events while a user is signed in: `credits` events replace the cached
 * balance (and stale the history), `notification` events stale the notifications. Reconnects with
 * exponential backoff and jitter; after a reconnect the balance is refetched, since events may have
 * been missed while the stream was down. A 401/403/404 stops trying (signed out, or no such route).
 */
export function useServerEvents(userId: string | null): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!userId) return;
    const controller = new AbortController();
    let backoff = MIN_BACKOFF_MS;
    let connectedBefore = false;

    const onEvent = (event: ServerEvent) => {
      if (event.event === 'credits') {
        const data = parse(event);
        if (isCreditSummary(data)) queryClient.setQueryData(creditKeys.balance(), data);
        else void queryClient.invalidateQueries({ queryKey: creditKeys.balance() });
        void queryClient.invalidateQueries({ queryKey: creditKeys.histories() });
        void queryClient.invalidateQueries({ queryKey: creditKeys.analyticsAll() });
        void queryClient.invalidateQueries({ queryKey: generationKeys.quotes() });
      } else if (event.event === 'notification') {
        void queryClient.invalidateQueries({ queryKey: notificationKeys.all() });
        // An auto-recharge's outcome (or a decline that turned it off) changes the profile's card.
        const kind = (parse(event) as { kind?: unknown } | undefined)?.kind;
        if (typeof kind === 'string' && kind.startsWith('auto_recharge')) void queryClient.invalidateQueries({ queryKey: profileKeys.autoRecharge() });
      }
    };

    async function run(): Promise<void> {
      while (!controller.signal.aborted) {
        try {
          await readEventStream(apiUrl('/users/me/events'), {
            headers: authHeader(),
            signal: controller.signal,
            onOpen: () => {
              backoff = MIN_BACKOFF_MS;
              if (connectedBefore) {
                void queryClient.invalidateQueries({ queryKey: creditKeys.balance() });
                void queryClient.invalidateQueries({ queryKey: notificationKeys.all() });
              }
              connectedBefore = true;
            },
            onEvent,
            onRetry: (ms) => {
              backoff = Math.min(Math.max(ms, MIN_BACKOFF_MS), MAX_BACKOFF_MS);
            },
          });
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof EventStreamHttpError && [401, 403, 404].includes(error.status)) return;
        }
        if (controller.signal.aborted) return;
        const wait = backoff / 2 + Math.random() * (backoff / 2);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          controller.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
    }

    void run();
    return () => controller.abort();
  }, [userId, queryClient]);
}
