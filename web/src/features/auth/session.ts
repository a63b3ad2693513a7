import { useSyncExternalStore } from 'react';
import { configureAuth } from '../../api/client';
import type { Role } from '../../api/types';

/**
 * The signed-in user: a bearer token and what it says (user id, role, expiry). Kept in
 * sessionStorage, so it lasts for the tab and no longer. This is client state, not server state:
 * the one small store the app keeps outside the query cache.
 */
export interface Session {
  token: string;
  userId: string;
  role: Role;
  expiresAt: string | null;
}

const STORAGE_KEY = 'credits.session';
const listeners = new Set<() => void>();
let current: Session | null = load();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    return isLive(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function isLive(session: Session | null): session is Session {
  if (!session || typeof session.token !== 'string' || typeof session.userId !== 'string') return false;
  return session.expiresAt === null || Date.parse(session.expiresAt) > Date.now();
}

export function getSession(): Session | null {
  return isLive(current) ? current : null;
}

export function setSession(session: Session | null): void {
  current = session;
  try {
    if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage can be unavailable (private modes, sandboxed frames): the session lives in memory.
  }
  for (const listener of listeners) listener();
}

export function subscribeSession(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null {
  return useSyncExternalStore(subscribeSession, getSession);
}

/** Reads a JWT's claims without verifying them (the API verifies); null when it is not a JWT. */
export function sessionFromToken(token: string): Session | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const claims = JSON.parse(json) as { sub?: unknown; role?: unknown; exp?: unknown };
    if (typeof claims.sub !== 'string' || claims.sub === '') return null;
    return {
      token,
      userId: claims.sub,
      role: claims.role === 'admin' ? 'admin' : 'user',
      expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : null,
    };
  } catch {
    return null;
  }
}

/**
 * A host app can hand this app a token in two ways (see web/CONTRACT.md):
 * - in the URL fragment, `#token=<jwt>` (removed from the address bar at once);
 * - with `window.postMessage({ type: 'credits:session', token: '<jwt>' }, '<this origin>')` from
 *   the embedding window, if its origin is listed in VITE_HOST_ORIGINS (comma-separated).
 */
export function acceptHostTokens(): () => void {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromFragment = fragment.get('token');
  if (fromFragment) {
    const session = sessionFromToken(fromFragment);
    if (session) setSession(session);
    fragment.delete('token');
    const rest = fragment.toString();
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
  }
  const allowed = new Set(
    String(import.meta.env.VITE_HOST_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  );
  const onMessage = (event: MessageEvent) => {
    if (!allowed.has(event.origin)) return;
    const data = event.data as { type?: unknown; token?: unknown } | null;
    if (!data || data.type !== 'credits:session' || typeof data.token !== 'string') return;
    const session = sessionFromToken(data.token);
    if (session) setSession(session);
  };
  window.addEventListener('message', onMessage);
  return () => window.removeEventListener('message', onMessage);
}

configureAuth({
  getToken: () => getSession()?.token ?? null,
  onUnauthorized: () => setSession(null),
});
