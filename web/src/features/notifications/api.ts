import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { AppNotification, Items } from '../../api/types';
import { notificationKeys } from './keys';

export function useUnreadNotifications() {
  return useQuery({
    queryKey: notificationKeys.unread(),
    queryFn: ({ signal }) => api<Items<AppNotification>>('/users/me/notifications', { query: { unread: 'true', limit: 20 }, signal }),
    refetchInterval: 60_000,
  });
}

export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<{ id: string; readAt: string | null }>(`/users/me/notifications/${encodeURIComponent(id)}/read`, { method: 'POST' }),
    onSuccess: (_answer, id) => {
      queryClient.setQueryData<Items<AppNotification>>(notificationKeys.unread(), (old) => (old ? { items: old.items.filter((item) => item.id !== id) } : old));
      void queryClient.invalidateQueries({ queryKey: notificationKeys.all() });
    },
  });
}
