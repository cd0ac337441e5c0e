// Deadlines and load shedding. Every request gets a budget (db/admission.ts): a deadline for each wait it
// makes, and the bulkhead of the feature that serves it. Past MAX_REQUESTS_IN_FLIGHT, or while the event
// loop keeps falling behind, a new request is refused at once with 503 and Retry-After, before any work is
// done for it: load beyond what the process serves in time is shed, never queued without bound.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { withinBudget } from '../db/admission.ts';
import { busy } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Counted among the requests in flight (until its response is sent or the client goes away). */
    admitted: boolean;
  }
  interface FastifyContextConfig {
    /** The feature whose share of the pool the route's requests draw on (set by inBulkhead). */
    bulkhead?: string;
  }
}

/** The 503 a shed request gets at once, in RealWorld form, saying when to come back. */
function shed(reply: FastifyReply): void {
  const error = busy();
  void reply
    .status(error.statusCode)
    .header('retry-after', '1')
    .send({ errors: { body: error.messages } });
}

/**
 * Whether the event loop fell behind by more than `thresholdMs` on average over the last second. A second with
 * no sample at all (one long block: a start's setup work) says nothing about the next one and is passed over
 * (@fastify/under-pressure reads it as an infinite delay, and sheds the first requests after a start).
 */
function watchEventLoop(thresholdMs: number): { behind(): boolean; stop(): void } {
  const RESOLUTION_MS = 10;
  const delays = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delays.enable();
  let behind = false;
  const timer = setInterval(() => {
    if (delays.count > 0) behind = delays.mean / 1e6 - RESOLUTION_MS > thresholdMs;
    delays.reset();
  }, 1_000);
  timer.unref();
  return {
    behind: () => behind,
    stop: () => {
      clearInterval(timer);
      delays.disable();
    },
  };
}

export function registerShedding(app: FastifyInstance, config: Config): void {
  app.decorateRequest('admitted', false);
  const loop = watchEventLoop(config.shedEventLoopDelayMs);
  app.addHook('onClose', async () => loop.stop());
  // A bound on the requests worked on at once: past it a request is refused before any work is done for it
  // (no body parsed, no query sent), so that the ones admitted keep their pace.
  let inFlight = 0;
  const { requestMs } = config.deadlines;
  app.addHook('onRequest', (request, reply, done) => {
    if (inFlight >= config.maxRequestsInFlight || loop.behind()) return shed(reply);
    inFlight += 1;
    request.admitted = true;
    const budget = {
      deadline: performance.now() + requestMs,
      bulkhead: request.routeOptions.config.bulkhead,
    };
    withinBudget(budget, done);
  });
  const leave = async (request: FastifyRequest) => {
    if (!request.admitted) return;
    request.admitted = false;
    inFlight -= 1;
  };
  app.addHook('onResponse', leave);
  app.addHook('onRequestAbort', leave);
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
