// Authentication: `Authorization: Token <jwt>` (RealWorld), HS256 only, with expiry. A token carries the
// user's credentials version when it was signed; the session check refuses it once a password or email change
// has raised that version (ASVS V3.3: sessions end when credentials change).
// Declared once per route, in its options: `config: { auth: 'required' }` or `config: { auth: 'optional' }`.
// The onRoute hook of registerAuth gives such a route its token check (onRequest), its OpenAPI `security`
// (required only) and its 401 response. Handlers read `request.viewerId` (optional) or `currentUserId()`.
import { createSigner, createVerifier } from 'fast-jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unauthorized } from './errors.ts';
import { errorResponses } from './schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user's id, or null for an anonymous request. */
    viewerId: number | null;
  }
  interface FastifyContextConfig {
    /** required: 401 without a valid token; optional: anonymous without one, 401 with an invalid one. */
    auth?: 'required' | 'optional';
  }
}

/** Who a valid token was signed for, and the credentials version it was signed with. */
export type TokenClaims = Readonly<{ userId: number; credentialsVersion: number }>;

export type TokenService = Readonly<{
  sign(userId: number, credentialsVersion: number): string;
  /** The claims of a valid token; throws a 401 GatherError otherwise. */
  verify(token: string): TokenClaims;
}>;

/** Throws a 401 GatherError when the token's credentials version is no longer the user's (or the user is gone). */
export type SessionCheck = (claims: TokenClaims) => Promise<void>;

function expiresInMs(expiresIn: string): number {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[expiresIn.slice(-1)] ?? 1_000;
  return Number.parseInt(expiresIn, 10) * unit;
}

export function createTokenService(secret: string, expiresIn: string): TokenService {
  const signer = createSigner({ key: secret, algorithm: 'HS256', expiresIn: expiresInMs(expiresIn) });
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'], cache: 1_000 });
  return Object.freeze({
    sign: (userId: number, credentialsVersion: number) =>
      signer({ sub: String(userId), ver: credentialsVersion }),
    verify: (token: string) => {
      let payload: { sub?: unknown; ver?: unknown };
      try {
        payload = verifier(token);
      } catch (error) {
        const expired = (error as { code?: string }).code === 'FAST_JWT_EXPIRED';
        throw unauthorized(expired ? 'token has expired' : 'token is invalid');
      }
      const userId = Number(payload.sub);
      // A token signed before versions existed has none: it stands for the version every account began with.
      const credentialsVersion = payload.ver ?? 0;
      if (!Number.isSafeInteger(userId) || userId <= 0 || !Number.isSafeInteger(credentialsVersion))
        throw unauthorized('token is invalid');
      return { userId, credentialsVersion: credentialsVersion as number };
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

/** Adds the declared token check, OpenAPI security and 401 response to each route as it is declared. */
export function registerAuth(app: FastifyInstance, tokens: TokenService, checkSession: SessionCheck): void {
  async function signIn(request: FastifyRequest, token: string) {
    const claims = tokens.verify(token);
    await checkSession(claims);
    request.viewerId = claims.userId;
  }
  async function requireAuth(request: FastifyRequest) {
    const token = tokenFrom(request);
    if (token === null) throw unauthorized('authorization token is required');
    await signIn(request, token);
  }
  // A token that is present must be valid even where signing in is optional.
  async function optionalAuth(request: FastifyRequest) {
    const token = tokenFrom(request);
    if (token !== null) await signIn(request, token);
  }
  const checks = { required: requireAuth, optional: optionalAuth };
  app.decorateRequest('viewerId', null);
  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    if (auth === undefined) return;
    const onRequest = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [checks[auth], ...onRequest];
    // New objects, not edits: Fastify declares a GET route's HEAD twin from the options as they were given.
    route.schema = {
      ...route.schema,
      ...(auth === 'required' && { security: [{ Token: [] }] }),
      response: { ...(route.schema?.response as object | undefined), ...errorResponses(401) },
    };
  });
}

/** The signed-in user's id, on a route declared `auth: 'required'` (its token was verified before). */
export function currentUserId(request: FastifyRequest): number {
  if (request.viewerId === null) {
    throw new Error(
      `${request.routeOptions.url} reads the signed-in user without declaring auth: 'required'`,
    );
  }
  return request.viewerId;
}
