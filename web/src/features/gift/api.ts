import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { CreateTransferBody, Transfer } from '../../api/types';
import { invalidateCredits } from '../credits/api';

export function useSendGift() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: CreateTransferBody; idempotencyKey: string }) => api<Transfer>('/credits/transfers', { method: 'POST', body, idempotencyKey }),
    onSettled: () => invalidateCredits(queryClient),
  });
}
