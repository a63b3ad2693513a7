import { SignJWT, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import type { Config } from '../../platform/config';
import { UnauthenticatedError } from '../../platform/errors';
import { userIdSchema } from '../../domain/ledger/user-id';

export type Role = 'user' | 'admin';

export interface Principal {
  userId: string;
  role: Role;
}


const claimsSchema = z.object({
  sub: userIdSchema,
  role: z.enum(['user', 'admin']).default('user'),
});

type AuthConfig = Pick<Config, 'AUTH_JWT_SECRET' | 'AUTH_JWT_ISSUER' | 'AUTH_MAX_TOKEN_LIFETIME_SECONDS'> & Partial<Pick<Config, 'AUTH_JWKS_URL' | 'AUTH_JWKS_ISSUER'>>;

// Clocks of the issuer and this service may disagree by this much.
const CLOCK_TOLERANCE_SECONDS = 60;

// Tokens from an identity provider, checked against its published keys.
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

// One key set per URL for the process: jose caches the keys and refetches on an unknown key id.
const remoteKeySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function remoteKeySet(url: string): ReturnType<typeof createRemoteJWKSet> {
  let keySet = remoteKeySets.get(url);
  if (!keySet) {
    keySet = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
    remoteKeySets.set(url, keySet);
  }
  return keySet;
}

function secretKey(config: AuthConfig): Uint8Array {
  return new TextEncoder().encode(config.AUTH_JWT_SECRET);
}

/**
 * HS256 bearer token for `principal`, as the study app's auth service would issue; valid for
 * `expiresInSeconds`, by default the longest this service accepts (AUTH_MAX_TOKEN_LIFETIME_SECONDS).
 */
export function signAccessToken(principal: Principal, config: AuthConfig, expiresInSeconds = config.AUTH_MAX_TOKEN_LIFETIME_SECONDS): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.userId)
    .setIssuer(config.AUTH_JWT_ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + expiresInSeconds)
    .sign(secretKey(config));
}

export async function verifyAccessToken(token: string, config: AuthConfig): Promise<Principal> {
  try {
    const { payload } = await verifySignature(token, config);
    refuseLongLivedToken(payload.exp!, payload.iat, config.AUTH_MAX_TOKEN_LIFETIME_SECONDS);
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthenticatedError('The token does not name a valid user');
    return { userId: claims.data.sub, role: claims.data.role };
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('The token has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'exp') throw new UnauthenticatedError('The token has no expiry (exp)');
    throw new UnauthenticatedError('The token is not valid');
  }
}

/**
 * HS256 tokens are ours (AUTH_JWT_SECRET, our issuer); RS256/ES256 tokens, when AUTH_JWKS_URL is
 * set, are the identity provider's, checked against its key set. The header only picks the path:
 * each path allows its own algorithms alone, so a token cannot choose a weaker check.
 */
async function verifySignature(token: string, config: AuthConfig): Promise<{ payload: JWTPayload }> {
  const { alg } = decodeProtectedHeader(token);
  if (alg && JWKS_ALGORITHMS.includes(alg) && config.AUTH_JWKS_URL) {
    return jwtVerify(token, remoteKeySet(config.AUTH_JWKS_URL), {
      algorithms: JWKS_ALGORITHMS,
      ...(config.AUTH_JWKS_ISSUER ? { issuer: config.AUTH_JWKS_ISSUER } : {}),
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
  }
  return jwtVerify(token, secretKey(config), {
    algorithms: ['HS256'],
    issuer: config.AUTH_JWT_ISSUER,
    // A token without an expiry would be valid forever once leaked.
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  });
}

/** Both the lifetime the issuer gave (exp - iat) and what is left of it (exp - now) are bounded. */
function refuseLongLivedToken(expiresAt: number, issuedAt: number | undefined, maxLifetimeSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  const limit = maxLifetimeSeconds + CLOCK_TOLERANCE_SECONDS;
  if (expiresAt - now > limit || (issuedAt !== undefined && expiresAt - issuedAt > limit)) {
    throw new UnauthenticatedError(`The token is valid for longer than this service accepts (${maxLifetimeSeconds} s)`);
  }
}
