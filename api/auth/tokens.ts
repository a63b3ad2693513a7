import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
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

type AuthConfig = Pick<Config, 'AUTH_JWT_SECRET' | 'AUTH_JWT_ISSUER'>;

function secretKey(config: AuthConfig): Uint8Array {
  return new TextEncoder().encode(config.AUTH_JWT_SECRET);
}

/** HS256 bearer token for `principal`, as the study app's auth service would issue. */
export function signAccessToken(principal: Principal, config: AuthConfig, expiresIn = '30d'): Promise<string> {
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(principal.userId)
    .setIssuer(config.AUTH_JWT_ISSUER)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secretKey(config));
}

export async function verifyAccessToken(token: string, config: AuthConfig): Promise<Principal> {
  try {
    const { payload } = await jwtVerify(token, secretKey(config), { algorithms: ['HS256'], issuer: config.AUTH_JWT_ISSUER });
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthenticatedError('The token does not name a valid user');
    return { userId: claims.data.sub, role: claims.data.role };
  } catch (error) {
    if (error instanceof UnauthenticatedError) throw error;
    if (error instanceof joseErrors.JWTExpired) throw new UnauthenticatedError('The token has expired');
    throw new UnauthenticatedError('The token is not valid');
  }
}
