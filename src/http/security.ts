// Security plumbing: response headers (@fastify/helmet) and the abuse controls of registration and login
// (docs/reliability.md, "Abuse controls"): registrations per client address through @fastify/rate-limit,
// declared by the route as `config: { rateLimit }`; failed logins per account and per address through the
// login throttle. Counters live in memory, or in Redis when REDIS_URL is set so that every instance counts
// against the same limits. Every limit keys on `request.ip`, which honours TRUST_PROXY only.
import helmet from '@fastify/helmet';
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { AuthLimits, Config } from '../config.ts';
import type { Limit } from '../settings.ts';
import { type AttemptCounter, memoryCounter, redisCounter } from './attempt-counter.ts';
import { createDeviceTokens } from './device-tokens.ts';
import { GatherError } from './errors.ts';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.ts';

/**
 * Every Redis key of the abuse controls starts with this: `gather-rate-limit-POST/api/users-<ip>` (the
 * plugin: route and client), `gather-rate-limit-login-account-<email>`, `…-login-account-and-address-<email>
 * <ip>`, `…-login-address-<ip>`, `…-login-device-<device id>`.
 */
export const RATE_LIMIT_NAMESPACE = 'gather-rate-limit-';

/** What the users routes declare and call: the registration limit and the login throttle. */
export type AbuseControls = Readonly<{
  registrationLimit: RateLimitOptions;
  loginThrottle: LoginThrottle;
  /** The Redis of REDIS_URL, shared with read-your-writes' positions; undefined without one. */
  redis: Redis | undefined;
}>;

// Swagger UI (/docs) and the trace viewer load scripts from this origin only; Swagger UI and Mermaid's SVG
// set inline styles, and Swagger UI shows data: images. No inline scripts, no other origins.
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
};

const HELMET_OPTIONS = {
  contentSecurityPolicy: CONTENT_SECURITY_POLICY,
  // TLS ends at the load balancer, which owns Strict-Transport-Security.
  strictTransportSecurity: false,
};

/**
 * The headers helmet sets, computed once: @fastify/helmet rebuilds helmet's middleware (and re-parses the
 * CSP) on every request, ~30 µs of CPU per request, a third of Gather's overhead over a bare Fastify
 * server on a primary-key read (docs/performance.md). The headers do not depend on the request.
 */
async function helmetHeaders(): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(helmet, HELMET_OPTIONS);
  probe.get('/', async () => '');
  const response = await probe.inject('/');
  await probe.close();
  const own = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
  return Object.fromEntries(
    Object.entries(response.headers)
      .filter(([name]) => !own.has(name))
      .map(([name, value]) => [name, String(value)]),
  );
}

export async function registerSecurity(
  app: FastifyInstance,
  config: Config,
  jwtSecret: string,
): Promise<AbuseControls> {
  const securityHeaders = await helmetHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  // ioredis is loaded only when Redis is configured (resident memory of a server that does not use it).
  const redis =
    config.redisUrl === undefined
      ? undefined
      : // Fail fast: a slow or absent Redis must not hold up logins (the limits then let them through).
        // Without the offline queue, a command fails at once while Redis is unreachable (or not yet
        // connected, the first milliseconds) instead of waiting for a reconnection, up to 2 s each: an
        // outage adds no latency to logins and registrations.
        new (await import('ioredis')).Redis(config.redisUrl, {
          connectTimeout: 500,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: false,
        });
  const redisFailed = (error: unknown) =>
    app.log.warn({ err: error }, 'redis for rate limits is unavailable');
  if (redis !== undefined) {
    redis.on('error', redisFailed);
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  await app.register(rateLimit, {
    // Only the routes that declare `config: { rateLimit }` are limited.
    global: false,
    ...(redis !== undefined && { redis, nameSpace: RATE_LIMIT_NAMESPACE }),
    // If Redis is down, let requests through (no limit) rather than lock everyone out of their accounts.
    skipOnError: true,
    errorResponseBuilder: (_request, context) =>
      new GatherError('GATHER_ERR_RATE_LIMITED', [
        `too many registrations from this address, try again in ${context.after}`,
      ]),
  });

  const limits: AuthLimits = config;
  const counter = (name: string, { windowMs }: Limit): AttemptCounter =>
    redis === undefined
      ? memoryCounter(windowMs)
      : redisCounter(redis, `${RATE_LIMIT_NAMESPACE}${name}-`, windowMs, redisFailed);
  return {
    registrationLimit: {
      max: limits.registrationsPerAddress.max,
      timeWindow: limits.registrationsPerAddress.windowMs,
    },
    loginThrottle: createLoginThrottle(
      {
        address: counter('login-address', limits.loginFailuresPerAddress),
        accountAndAddress: counter('login-account-and-address', limits.loginFailuresPerAccountAndAddress),
        account: counter('login-account', limits.loginFailuresPerAccount),
        device: counter('login-device', limits.loginFailuresPerAccountAndAddress),
      },
      limits,
      createDeviceTokens(jwtSecret),
    ),
    redis,
  };
}
