// GET /metrics in Prometheus text format: request durations by route and status, event-loop delay, the
// database pool, every series labelled with the database kind (pglite | postgres). Under
// `gather serve --workers N` a scrape reaches one worker, which answers with the sum over all workers.
import cluster from 'node:cluster';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import type { Database } from '../db/database.ts';
import { unavailable } from '../http/errors.ts';
import { fetchClusterMetrics } from './cluster-metrics.ts';
import { createRequestDurations } from './request-durations.ts';

/** Seconds; from sub-millisecond hits on a warm cache to slow pages. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RESOLUTION_MS = 10;

/** Event-loop delay since the previous scrape; the returned function stops its monitor. */
function registerLoopDelay(registry: Registry): () => void {
  // The monitor samples every RESOLUTION_MS and records the whole interval: the delay is what exceeds it.
  const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loopDelay.enable();
  const delaySeconds = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000;
  new Gauge({
    name: 'gather_event_loop_delay_seconds',
    help: 'Event-loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay); worst worker',
    labelNames: ['quantile'],
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.set({ quantile: '0.5' }, delaySeconds(loopDelay.percentile(50)));
      this.set({ quantile: '0.99' }, delaySeconds(loopDelay.percentile(99)));
      this.set({ quantile: '1' }, delaySeconds(loopDelay.max));
      loopDelay.reset();
    },
  });
  return () => loopDelay.disable();
}

/** The PostgreSQL pool's connections and waiting queries. */
function registerPoolMetrics(registry: Registry, database: Database): void {
  // PGlite is one in-process connection without a pool: these have no samples there.
  new Gauge({
    name: 'gather_db_pool_connections',
    help: 'PostgreSQL pool connections by state, summed over workers (each has its own pool)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const stats = database.poolStats();
      if (stats === undefined) return;
      this.set({ state: 'in_use' }, stats.total - stats.idle);
      this.set({ state: 'idle' }, stats.idle);
    },
  });
  new Gauge({
    name: 'gather_db_pool_waiting_requests',
    help: 'Queries waiting for a free pool connection, summed over workers',
    registers: [registry],
    collect() {
      const stats = database.poolStats();
      if (stats !== undefined) this.set(stats.waiting);
    },
  });
}

/** Round trips by server and kind, and each read replica's health and skips. */
function registerServerMetrics(registry: Registry, database: Database): void {
  // Which server each query went to: the primary ('Database') or a read replica ('Database (replica N)').
  new Counter({
    name: 'gather_db_queries_total',
    help:
      'Database round trips by server (the primary, or a read replica) and statement kind (read, write, ' +
      'other: status checks, WAL positions, health checks), summed over workers',
    labelNames: ['server', 'kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, queries } of database.servers()) {
        for (const [kind, count] of Object.entries(queries)) this.inc({ server: name, kind }, count);
      }
    },
  });
  new Gauge({
    name: 'gather_db_replica_usable',
    help: 'Whether a read replica serves reads (1) or is skipped as down or lagging (0); worst worker',
    labelNames: ['server'],
    aggregator: 'min',
    registers: [registry],
    collect() {
      for (const { replica } of database.servers()) {
        if (replica !== undefined) this.set({ server: replica.name }, replica.health === 'up' ? 1 : 0);
      }
    },
  });
  new Counter({
    name: 'gather_db_replica_skips_total',
    help: 'Times a read replica started being skipped (down, or lagging past REPLICA_MAX_LAG_MS)',
    labelNames: ['server'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { replica } of database.servers()) {
        if (replica !== undefined) this.inc({ server: replica.name }, replica.skips);
      }
    },
  });
}

/** The registry of one process; `stop()` releases the event-loop monitor. */
export function createMetrics(database: Database): {
  registry: Registry;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  stop(): void;
} {
  const registry = new Registry();
  registry.setDefaultLabels({ database: database.kind });

  const durations = createRequestDurations(
    'gather_http_request_duration_seconds',
    'Time from request received to response sent, by route template and status',
    DURATION_BUCKETS,
  );
  registry.registerMetric(durations.metric);
  // Which process answered: with several workers, proof that each of them takes a share.
  new Counter({
    name: 'gather_process_requests_total',
    help: 'Requests answered, by process id',
    labelNames: ['pid'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ pid: String(process.pid) }, durations.total());
    },
  });

  const stopLoopDelay = registerLoopDelay(registry);
  registerPoolMetrics(registry, database);
  registerServerMetrics(registry, database);

  return {
    registry,
    observeRequest: durations.observe,
    stop: stopLoopDelay,
  };
}

export const metricsPlugin = fp<{ database: Database }>(
  async (app: FastifyInstance, { database }) => {
    const metrics = createMetrics(database);
    if (cluster.isWorker) {
      // The primary collects every worker's registry; constructing an AggregatorRegistry is what makes
      // prom-client answer those collection requests in this process.
      AggregatorRegistry.setRegistries([metrics.registry]);
      new AggregatorRegistry();
    }

    app.addHook('onResponse', async (request, reply) => {
      // The route template, never the raw URL: one series per route, whatever the slugs and ids.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    });
    app.addHook('onClose', async () => metrics.stop());

    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const text = cluster.isWorker
        ? await fetchClusterMetrics().catch((error: Error) => {
            request.log.warn({ err: error }, 'cluster metrics unavailable');
            throw unavailable();
          })
        : await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  },
  { name: 'gather-metrics' },
);
