// buildApp: plumbing, tracing, then the features, listed explicitly.
import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { articlesFeature } from './features/articles/articles.routes.ts';
import { commentsFeature } from './features/comments/comments.routes.ts';
import type { Deps } from './features/deps.ts';
import type { Feature } from './features/feature.ts';
import { profilesFeature } from './features/profiles/profiles.routes.ts';
import type { Queries } from './features/queries.ts';
import { tagsFeature } from './features/tags/tags.routes.ts';
import { createPasswords } from './features/users/password.ts';
import { createSessions } from './features/users/sessions.ts';
import { usersFeature } from './features/users/users.routes.ts';
import { ApiIndex, apiIndexRoutes, INDEX_TAG } from './http/api-index.ts';
import { createTokenService, registerAuth } from './http/auth.ts';
import { frameworkErrors, installErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health.ts';
import { registerOpenApi } from './http/openapi.ts';
import {
  keepingMs,
  memoryPositions,
  redisPositions,
  registerReadYourWrites,
  WAL_POSITION_HEADER,
} from './http/read-your-writes.ts';
import { loggerOptions, RequestLog } from './http/request-log.ts';
import { ErrorBody } from './http/schemas.ts';
import { registerSecurity } from './http/security.ts';
import { serializerPerShape } from './http/serialization.ts';
import { createShedding, inBulkhead, registerBudgets, type Shedding } from './http/shedding.ts';
import { buildValidatorCompiler } from './http/validation.ts';
import type { Instrument } from './instrument.ts';
import { metricsPlugin } from './metrics/metrics.ts';
import { msLeft } from './request-budget.ts';
import { tracingPlugin } from './tracing/plugin.ts';
import { TRACES_PATH } from './tracing/trace-pages.ts';
import { TraceStore } from './tracing/trace-store.ts';
import { tracesRoutes } from './tracing/traces.routes.ts';
import { VERSION } from './version.ts';

/** The features, in the order Swagger UI shows their tags. Each declares its routes, models, bulkhead and tags. */
const FEATURES: readonly Feature[] = [
  usersFeature,
  profilesFeature,
  articlesFeature,
  commentsFeature,
  tagsFeature,
];

/**
 * The named models, with RealWorld's names as their $id: the routes refer to them by $ref, and OpenAPI lists them
 * under components.schemas by the same names.
 */
const MODELS = [ErrorBody, ...FEATURES.flatMap((feature) => feature.models), ApiIndex];
// One per process, as Ajv caches what it compiled: every app built here has the same models.
const validatorCompiler = buildValidatorCompiler(MODELS);

export type AppOptions = Readonly<{
  config: Config;
  database: Database;
  queries: Queries;
  jwtSecret: string;
  /** The hook the password hasher reports its hashes to (tracing's recorder, when tracing is on). */
  instrument: Instrument;
  traces?: TraceStore;
}>;

/** Fastify with Gather's options, the models' validator, the JSON parser RealWorld clients need, the errors. */
async function createFastify(config: Config, shedding: Shedding) {
  const app = Fastify({
    // Load beyond what the process serves in time is refused in front of Fastify (http/shedding.ts).
    serverFactory: shedding.serverFactory,
    logger: await loggerOptions(config),
    logController: new RequestLog(config.logLevel),
    schemaController: serializerPerShape(),
    genReqId: () => randomUUID(),
    requestIdHeader: 'x-request-id',
    bodyLimit: config.bodyLimit,
    // RealWorld clients send both /api/articles and /api/articles/; they are one route.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // A URL that does not decode, or a path parameter over 500 characters: RealWorld errors too.
    frameworkErrors,
    // Which proxies may say who the client is (X-Forwarded-For): request.ip, which every limit keys on.
    trustProxy: config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // RealWorld clients send `Content-Type: application/json` with an empty body on POST/DELETE routes that
  // take none (favorite, follow): an empty body is "no body", not a parse error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body as string, done),
  );
  installErrorHandler(app);
  app.addHook('onClose', async () => shedding.stop());
  return app;
}

/** With read replicas: each client's write positions (in Redis when there is one), and replica health logged. */
function registerReplicaReads(app: FastifyInstance, database: Database, config: Config, redis?: Redis): void {
  const keepMs = keepingMs(config.replicaMaxLagMs);
  const positions =
    redis === undefined
      ? memoryPositions(keepMs)
      : redisPositions(redis, keepMs, (error) =>
          app.log.warn({ err: error }, 'redis for read-your-writes positions is unavailable'),
        );
  registerReadYourWrites(app, positions);
  database.onReplicaHealth((replica, health, reason) =>
    app.log.warn({ replica, health, reason }, `${replica} is ${health}: ${reason}`),
  );
}

/** Traces kept for the viewer when tracing is on, and recorded for OTLP export when OTEL_* asks for it. */
async function registerTracing(app: FastifyInstance, config: Config, traces?: TraceStore) {
  const traceStore = config.gatherTrace ? (traces ?? new TraceStore()) : undefined;
  if (traceStore !== undefined || config.otel !== undefined) {
    // Loaded only when asked for: the OpenTelemetry SDK and OTLP exporter add ~15 MB of resident memory.
    const exporter =
      config.otel === undefined
        ? undefined
        : new (await import('./tracing/otel.ts')).OtelExporter(config.otel);
    await app.register(tracingPlugin, { store: traceStore, exporter });
  }
  return traceStore;
}

export async function buildApp({
  config,
  database,
  queries,
  jwtSecret,
  instrument,
  traces,
}: AppOptions): Promise<FastifyInstance> {
  const shedding = createShedding(config);
  const app = await createFastify(config, shedding);
  // First: every request gets its deadline and bulkhead.
  registerBudgets(app, config);
  // Before any route is declared: the rate-limit plugin and the auth hook read each route's config as it is added.
  const { registrationLimit, loginThrottle, redis } = await registerSecurity(app, config, jwtSecret);
  if (database.readReplicas > 0) registerReplicaReads(app, database, config, redis);
  const tokens = createTokenService(jwtSecret, config.jwtExpiresIn);
  const sessions = createSessions(queries.users.credentialsVersion);
  registerAuth(app, tokens, sessions.check);
  for (const model of MODELS) app.addSchema(model);
  const traceStore = await registerTracing(app, config, traces);
  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Requested-With', WAL_POSITION_HEADER],
    exposedHeaders: ['x-trace-id', 'x-request-id', WAL_POSITION_HEADER],
    maxAge: 86_400,
  });
  await registerOpenApi(app, VERSION, [...FEATURES.flatMap((feature) => feature.tags), INDEX_TAG]);
  if (config.gatherMetrics) await app.register(metricsPlugin, { database });

  const deps: Deps = {
    database,
    queries,
    passwords: createPasswords({ instrument, msLeft }),
    instrument,
    tokens,
    sessions,
    registrationLimit,
    loginThrottle,
  };
  await app.register(healthRoutes(database));
  if (traceStore !== undefined) await app.register(tracesRoutes(traceStore));
  await app.register(
    async (api) => {
      await api.register(
        apiIndexRoutes({
          tracesPath: traceStore === undefined ? undefined : TRACES_PATH,
          metrics: config.gatherMetrics,
        }),
      );
      for (const feature of FEATURES) await api.register(inBulkhead(feature.bulkhead, feature.routes(deps)));
    },
    { prefix: '/api' },
  );
  return app;
}
