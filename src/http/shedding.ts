// Deadlines and load shedding. Past MAX_REQUESTS_IN_FLIGHT, a request is refused with 503 and Retry-After as
// soon as it is routed, unless its feature holds less than its share: the share of MAX_REQUESTS_IN_FLIGHT its
// bulkhead holds of the pool (DB_POOL_GROUP_MAX of DB_POOL_MAX). A feature alone may use every place, but
// requests waiting on a stuck table can never keep the other features out. Past the places of one more share,
// or while the event loop keeps falling behind, every request is refused at once in front of Fastify: no
// request object, no body parsing, no query, so that a flood of refused requests costs little and the admitted
// ones keep their pace. Every admitted request gets a budget (request-budget.ts): a deadline for each wait it
// makes, and the bulkhead of the feature that serves it.
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { Config } from '../config.ts';
import { OverCapacity, withinBudget } from '../request-budget.ts';
import { busy, RETRY_AFTER_SECONDS } from './errors.ts';

// node:http as CommonJS gives it: an ES import of it builds its namespace, whose lazy `WebSocket` and fetch
// exports load undici, 3.5 MB an idle server would hold for nothing (Node 24; docs/performance.md).
const { createServer } = process.getBuiltinModule('node:http');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The feature whose share of the pool the route's requests draw on (set by inBulkhead). */
    bulkhead?: string;
  }
}

/**
 * Whether the event loop fell behind by more than `thresholdMs` on average over the last second, watched from
 * `start()` (when the server listens): the start's own work (compiling every schema, building the OpenAPI
 * document at ready) blocks the loop once and says nothing about serving — counted, it shed the first requests
 * after a start, as @fastify/under-pressure does. A second with no sample at all is passed over too.
 */
function watchEventLoop(thresholdMs: number): { start(): void; behind(): boolean; stop(): void } {
  const RESOLUTION_MS = 10;
  const delays = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let behind = false;
  let timer: NodeJS.Timeout | undefined;
  return {
    start: () => {
      if (timer !== undefined) return;
      delays.enable();
      timer = setInterval(() => {
        if (delays.count > 0) behind = delays.mean / 1e6 - RESOLUTION_MS > thresholdMs;
        delays.reset();
      }, 1_000);
      timer.unref();
    },
    behind: () => behind,
    stop: () => {
      clearInterval(timer);
      delays.disable();
    },
  };
}

/** The refusal, built once: RealWorld's error body, when to come back, readable by a browser client. */
const SHED_BODY = Buffer.from(JSON.stringify({ errors: { body: busy().messages } }));
const SHED_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': String(SHED_BODY.length),
  'retry-after': RETRY_AFTER_SECONDS,
  'access-control-allow-origin': '*',
};

type FastifyServerOptions = {
  http?: ServerOptions;
  keepAliveTimeout: number;
  requestTimeout: number;
  connectionTimeout: number;
};

export type Shedding = Readonly<{
  /** Fastify's serverFactory: the HTTP server, with the refusal in front of Fastify's handler. */
  serverFactory: FastifyServerFactory;
  stop(): void;
}>;

/** Requests one feature may work on at once past MAX_REQUESTS_IN_FLIGHT: its bulkhead's share of the pool. */
export function featureShare(config: Config): number {
  return Math.ceil((config.maxRequestsInFlight * config.dbPoolGroupMax) / config.dbPoolMax);
}

export function createShedding(config: Config): Shedding {
  const loop = watchEventLoop(config.shedEventLoopDelayMs);
  // Room for MAX_REQUESTS_IN_FLIGHT, and for another feature's share beside a feature that holds them all.
  const hardLimit = config.maxRequestsInFlight + featureShare(config);
  let inFlight = 0;
  const leave = () => {
    inFlight -= 1;
  };
  const serverFactory: FastifyServerFactory = (handler, fastifyOptions) => {
    // Fastify's options, with its defaults filled in before it calls a server factory.
    const options = fastifyOptions as FastifyServerOptions;
    const server = createServer(options.http ?? {}, (request: IncomingMessage, response: ServerResponse) => {
      if (inFlight >= hardLimit || loop.behind()) {
        response.writeHead(503, SHED_HEADERS).end(SHED_BODY);
        return;
      }
      inFlight += 1;
      // 'close' comes once per response: after it is sent, or when the client went away first.
      response.once('close', leave);
      handler(request, response);
    });
    server.once('listening', loop.start);
    // What Fastify sets on a server it makes itself.
    server.keepAliveTimeout = options.keepAliveTimeout;
    server.requestTimeout = options.requestTimeout;
    server.setTimeout(options.connectionTimeout);
    return server;
  };
  return { serverFactory, stop: loop.stop };
}

/**
 * Every request runs within its budget: the deadline of its waits, and its route's bulkhead. Past
 * MAX_REQUESTS_IN_FLIGHT routed requests, one whose feature holds its share is refused (503 with Retry-After).
 */
export function registerBudgets(app: FastifyInstance, config: Config): void {
  // Waits end a lock_timeout before the request's deadline: the statement after the last wait may still wait
  // that long for a lock (a stuck table), and ends by the deadline all the same.
  const waitsMs = Math.max(config.requestTimeoutMs - config.dbLockTimeoutMs, config.requestTimeoutMs / 2);
  const share = featureShare(config);
  const byFeature = new Map<string | undefined, number>();
  let routed = 0;
  app.addHook('onRequest', (request, reply, done) => {
    const bulkhead = request.routeOptions.config.bulkhead;
    const held = byFeature.get(bulkhead) ?? 0;
    if (routed >= config.maxRequestsInFlight && bulkhead !== undefined && held >= share) {
      done(new OverCapacity(`${bulkhead} holds ${held} of ${routed} requests in flight`));
      return;
    }
    routed += 1;
    byFeature.set(bulkhead, held + 1);
    // 'close' comes once per response: after it is sent, or when the client went away first.
    reply.raw.once('close', () => {
      routed -= 1;
      byFeature.set(bulkhead, byFeature.get(bulkhead)! - 1);
    });
    const budget = { deadline: performance.now() + waitsMs, bulkhead, wal: { needed: 0n, written: 0n } };
    withinBudget(budget, done);
  });
}

/** `routes`, each declared as drawing on the bulkhead `name` (one feature's share of the pool). */
export function inBulkhead(name: string, routes: FastifyPluginAsyncTypebox): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, bulkhead: name };
    });
    await app.register(routes);
  };
}
