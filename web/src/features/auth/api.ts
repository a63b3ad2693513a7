import { useMutation } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { DevSession, Role } from '../../api/types';
import { setSession } from './session';

/** Development sign-in: the API mints a token for any user id (404 in production). */
export function useDevSignIn() {
  return useMutation({
    mutationFn: (input: { userId: string; role: Role }) => api<DevSession>('/auth/dev-session', { method: 'POST', body: input, anonymous: true }),
    onSuccess: (session) => setSession({ token: session.token, userId: session.userId, role: session.role, expiresAt: session.expiresAt }),
  });
}
