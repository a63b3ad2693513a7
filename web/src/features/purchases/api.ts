import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, newIdempotencyKey } from '../../api/client';
import type { CreatePurchaseBody, CreditPackage, Items, Purchase, PurchaseStatus } from '../../api/types';
import { invalidateCredits } from '../credits/api';
import { purchaseKeys } from './keys';

const SETTLED: readonly PurchaseStatus[] = ['fulfilled', 'failed', 'expired', 'refunded'];
const POLL_MS = 1_000;

export function isSettled(purchase: Purchase | undefined): boolean {
  return purchase !== undefined && SETTLED.includes(purchase.status);
}

export function usePackages() {
  return useQuery({
    queryKey: purchaseKeys.packages(),
    queryFn: ({ signal }) => api<Items<CreditPackage>>('/credit-packages', { signal }),
    staleTime: 5 * 60_000,
  });
}

/** Where the provider sends the buyer back; the API appends `?purchase=<id>` (CONTRACT.md). */
export function returnUrls(): CreatePurchaseBody['returnUrls'] {
  const origin = window.location.origin;
  return { success: `${origin}/premium/credits/success`, cancel: `${origin}/premium/credits/failure` };
}

async function waitForCheckout(purchase: Purchase, signal?: AbortSignal): Promise<Purchase> {
  // The API waits up to 10 s for the provider's link; past that the purchase comes without one.
  let current = purchase;
  for (let attempt = 0; !current.checkoutUrl && !isSettled(current) && attempt < 30; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    current = await api<Purchase>(`/credits/purchases/${encodeURIComponent(purchase.id)}`, { signal });
  }
  return current;
}

/** Starts a purchase (one Idempotency-Key per click) and goes to the provider's checkout page. */
export function useStartPurchase() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ packageId, idempotencyKey }: { packageId: string; idempotencyKey: string }) => {
      const purchase = await api<Purchase>('/credits/purchases', { method: 'POST', body: { packageId, returnUrls: returnUrls() } satisfies CreatePurchaseBody, idempotencyKey });
      return waitForCheckout(purchase);
    },
    onSuccess: (purchase) => {
      queryClient.setQueryData(purchaseKeys.detail(purchase.id), purchase);
      if (purchase.checkoutUrl) window.location.assign(purchase.checkoutUrl);
    },
  });
}

export function purchaseAttempt(packageId: string) {
  return { packageId, idempotencyKey: newIdempotencyKey() };
}

/** Polls a purchase until it settles; when it settles the balance and history are refreshed. */
export function usePurchase(id: string | null) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: purchaseKeys.detail(id ?? ''),
    queryFn: ({ signal }) => api<Purchase>(`/credits/purchases/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: id !== null && id !== '',
    refetchInterval: (q) => (isSettled(q.state.data) ? false : POLL_MS),
  });
  const settled = isSettled(query.data);
  const invalidated = useRef(false);
  useEffect(() => {
    if (settled && !invalidated.current) {
      invalidated.current = true;
      void invalidateCredits(queryClient);
    }
  }, [settled, queryClient]);
  return query;
}
