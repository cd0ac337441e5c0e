// Security plumbing: response headers (@fastify/helmet) and the rate-limit plugin (@fastify/rate-limit;
// counters in memory, or in Redis when REDIS_URL is set so that every instance counts against the same
// limit). A route is limited by declaring `config: { rateLimit }` itself (registration and login).
import helmet from '@fastify/helmet';
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { GatherError } from './errors.ts';

/** The limit on the routes an attacker hammers to create accounts or guess passwords: per client IP. */
export function authAttemptLimit(config: Config): RateLimitOptions {
  return { max: config.rateLimitAuthMax, timeWindow: config.rateLimitAuthWindowMs };
}

/** Redis keys are `gather-rate-limit-<method><url>-<ip>`: one counter per route and client. */
export const RATE_LIMIT_NAMESPACE = 'gather-rate-limit-';

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

export async function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  const securityHeaders = await helmetHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  // ioredis is loaded only when Redis is configured (resident memory of a server that does not use it).
  const redis =
    config.redisUrl === undefined
      ? undefined
      : // Fail fast: a slow or absent Redis must not hold up logins (see skipOnError).
        new (await import('ioredis')).Redis(config.redisUrl, {
          connectTimeout: 500,
          maxRetriesPerRequest: 1,
          lazyConnect: false,
        });
  if (redis !== undefined) {
    redis.on('error', (error) => app.log.warn({ err: error }, 'redis for rate limits is unavailable'));
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
      new GatherError('GATHER_ERR_RATE_LIMITED', [`too many attempts, try again in ${context.after}`]),
  });
}
