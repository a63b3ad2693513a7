import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../platform/config';
import { ForbiddenError, UnauthenticatedError } from '../../platform/errors';
import { type Principal, verifyAccessToken } from './tokens';

export interface AuthenticateOptions {
  config: Pick<Config, 'AUTH_JWT_SECRET' | 'AUTH_JWT_ISSUER' | 'AUTH_MAX_TOKEN_LIFETIME_SECONDS' | 'AUTH_JWKS_URL' | 'AUTH_JWKS_ISSUER'>;
  // Opens the caller's credit account on first sight (signup grant); idempotent.
  onFirstSight: (principal: Principal) => Promise<unknown>;
}

// Users already known to have an account, so most requests skip the upsert. Bounded: forgetting
// one only costs a no-op upsert.
const KNOWN_USERS_LIMIT = 10_000;

/** Verifies the bearer token and puts the principal on `res.locals.principal`. */
export function authenticate(options: AuthenticateOptions): RequestHandler {
  const knownUsers = new Set<string>();
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match?.[1]) throw new UnauthenticatedError('Send Authorization: Bearer <token>');
    const principal = await verifyAccessToken(match[1], options.config);
    if (!knownUsers.has(principal.userId)) {
      await options.onFirstSight(principal);
      if (knownUsers.size >= KNOWN_USERS_LIMIT) knownUsers.clear();
      knownUsers.add(principal.userId);
    }
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  if (principalOf(res).role !== 'admin') throw new ForbiddenError('This needs the admin role');
  next();
}
