// Authentication: `Authorization: Token <jwt>` (RealWorld), HS256 only, with expiry.
// Declared per route: `onRequest: requireAuth` or `onRequest: optionalAuth`.
import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user's id, or null for an anonymous request. */
    viewerId: number | null;
  }
}

export type TokenService = Readonly<{
  sign(userId: number): string;
  /** The user id in a valid token; throws a 401 GatherError otherwise. */
  verify(token: string): number;
}>;

function expiresInMs(expiresIn: string): number {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[expiresIn.slice(-1)] ?? 1_000;
  return Number.parseInt(expiresIn, 10) * unit;
}

export function createTokenService(secret: string, expiresIn: string): TokenService {
  const signer = createSigner({ key: secret, algorithm: 'HS256', expiresIn: expiresInMs(expiresIn) });
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'], cache: 1_000 });
  return Object.freeze({
    sign: (userId: number) => signer({ sub: String(userId) }),
    verify: (token: string) => {
      let payload: { sub?: unknown };
      try {
        payload = verifier(token);
      } catch (error) {
        const expired = (error as { code?: string }).code === 'FAST_JWT_EXPIRED';
        throw unauthorized(expired ? 'token has expired' : 'token is invalid');
      }
      const userId = Number(payload.sub);
      if (!Number.isSafeInteger(userId) || userId <= 0) throw unauthorized('token is invalid');
      return userId;
    },
  });
}

const SCHEME = /^(?:Token|Bearer) +([A-Za-z0-9_.-]+) *$/i;

/** The token in an Authorization header: null when absent, 401 when present but malformed. */
function tokenFrom(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return null;
  const match = SCHEME.exec(header);
  if (match === null) throw unauthorized('Authorization header must be "Token <jwt>"');
  return match[1]!;
}

export type AuthHooks = Readonly<{
  requireAuth: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  optionalAuth: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}>;

export function createAuthHooks(tokens: TokenService): AuthHooks {
  return Object.freeze({
    async requireAuth(request: FastifyRequest) {
      const token = tokenFrom(request);
      if (token === null) throw unauthorized('authorization token is required');
      request.viewerId = tokens.verify(token);
    },
    // A token that is present must be valid even where signing in is optional.
    async optionalAuth(request: FastifyRequest) {
      const token = tokenFrom(request);
      request.viewerId = token === null ? null : tokens.verify(token);
    },
  });
}

/** The viewer of a route declared with requireAuth. */
export function signedIn(request: FastifyRequest): number {
  if (request.viewerId === null) throw unauthorized('authorization token is required');
  return request.viewerId;
}
