// The configuration the app runs with, made once at start from the settings (src/settings.ts declares every
// variable) and the standard OTEL_* variables; rules between settings are checked here, each in one line.
import {
  ConfigError,
  type Limit,
  type LogFormat,
  type LogLevel,
  otelSdkDisabled,
  readSettings,
  type Settings,
} from './settings.ts';

export type Config = Readonly<{
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  /** Unset means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  /** Read replicas of DATABASE_URL (docs/scaling.md); empty: every query goes to the primary. */
  replicaUrls: readonly string[];
  /** How far behind a replica may be to serve a read that does not need a client's own write. */
  replicaMaxLagMs: number;
  dbPoolMax: number;
  dataDir: string;
  /** Unset outside production: a secret is generated once and kept in `dataDir`. */
  jwtSecret: string | undefined;
  jwtExpiresIn: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Per-request traces (query recorder + /_gather/traces). On in development, off in production. */
  trace: boolean;
  autoMigrate: boolean;
  bodyLimit: number;
  /** `gather serve` processes sharing the port (node:cluster); each has its own pool of dbPoolMax. */
  workers: number;
  /** GET /metrics in Prometheus text format. */
  metrics: boolean;
  /** Unset: rate-limit counters live in this process's memory; set: in Redis, shared by every instance. */
  redisUrl: string | undefined;
  /** Fastify's trustProxy: false (the socket's address is the client's), or the proxies' addresses. */
  trustProxy: false | string[];
  authLimits: AuthLimits;
  /** Set when the standard OTEL_* variables ask for it: recorded spans are also exported over OTLP/HTTP. */
  otel: OtelSettings | undefined;
  deadlines: Deadlines;
  /** Pool connections the routes of one feature may hold at once (a bulkhead), per process. */
  dbPoolGroupMax: number;
  /** Requests that may wait for a pool connection at once; past it a request is shed (503) at once. */
  dbPoolQueueMax: number;
  /** Event-loop delay past which new requests are shed (503) instead of queued. */
  shedEventLoopDelayMs: number;
  /** Requests a process works on at once; the next one is shed (503) before any work is done for it. */
  maxRequestsInFlight: number;
  /** How migrations share the database with live traffic: lock waits, retries, backfill pauses. */
  migrationPolicy: MigrationPolicy;
}>;

/** How `gather db upgrade` (and start-up migrations) share the database with live traffic: how they wait for
 * table locks, and how long a backfill rests between batches; the migration runner applies it. */
export type MigrationPolicy = Readonly<{
  /** lock_timeout of every statement: the longest live traffic can queue behind a migration's lock wait. */
  timeoutMs: number;
  /** A phase whose lock is not granted in time is rolled back and run again, this many times in all. */
  attempts: number;
  /** The pause after each backfill batch, as a multiple of the time the batch took (1: half of one
   * connection's time; 0: no pause). */
  backfillPauseRatio: number;
}>;

/** The abuse controls of registration and login (docs/reliability.md says why these defaults). */
export type AuthLimits = Readonly<{
  /** Failed logins per account (the email, case-insensitive) from devices not signed in to it before, from any
   * address: the ceiling on guesses at one account (ASVS V2.2.1: at most 100 an hour). */
  loginFailuresPerAccount: Limit;
  /** Failed logins per account and client address; also a known device's own failures. */
  loginFailuresPerAccountAndAddress: Limit;
  /** Failed logins per client address, whatever the accounts. */
  loginFailuresPerAddress: Limit;
  /** Registrations per client address, failed or not. */
  registrationsPerAddress: Limit;
}>;

/** How long a request, and each PostgreSQL statement of it, may take (docs/reliability.md says why). */
export type Deadlines = Readonly<{
  /** A request's deadline for every wait it makes: a bulkhead slot, a pool connection, a hash thread. */
  requestMs: number;
  /** PostgreSQL's statement_timeout, lock_timeout and idle_in_transaction_session_timeout, per connection. */
  statementMs: number;
  lockMs: number;
  idleInTransactionMs: number;
}>;

export type OtelSettings = Readonly<{
  /** Full OTLP/HTTP traces URL, e.g. http://localhost:4318/v1/traces. */
  tracesUrl: string;
  headers: Readonly<Record<string, string>>;
  serviceName: string;
}>;

/** "k1=v1,k2=v2" (values URL-encoded), the format of OTEL_EXPORTER_OTLP_HEADERS. */
function otlpHeaders(name: string, raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').filter((item) => item.trim() !== '')) {
    const at = pair.indexOf('=');
    if (at < 1) throw new ConfigError(`${name} must look like key1=value1,key2=value2, got "${raw}"`);
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

/** OTLP export is on when OTEL_TRACES_EXPORTER=otlp or an OTLP endpoint is set (and the SDK is not disabled). */
function otelSettings(env: NodeJS.ProcessEnv): OtelSettings | undefined {
  if (otelSdkDisabled(env)) return undefined;
  const exporter = (env.OTEL_TRACES_EXPORTER || '').toLowerCase();
  if (exporter !== '' && exporter !== 'otlp' && exporter !== 'none') {
    throw new ConfigError(
      `OTEL_TRACES_EXPORTER must be otlp or none (Gather exports OTLP/HTTP), got "${exporter}"`,
    );
  }
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (exporter === 'none' || (exporter === '' && tracesEndpoint === undefined && endpoint === undefined)) {
    return undefined;
  }
  // The signal-specific variable is the full URL; the general one is a base that gets /v1/traces.
  const tracesUrl =
    tracesEndpoint ?? `${(endpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  if (!/^https?:\/\/[^/]/.test(tracesUrl)) {
    throw new ConfigError(`the OTLP traces endpoint must be an http(s) URL, got "${tracesUrl}"`);
  }
  return Object.freeze({
    tracesUrl,
    headers: {
      ...otlpHeaders('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
      ...otlpHeaders('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    serviceName: env.OTEL_SERVICE_NAME || 'gather',
  });
}

/** Rules between settings, each a line of its own when broken. */
function checkTogether(settings: Settings): void {
  if (settings.DATABASE_REPLICA_URLS.length > 0 && settings.DATABASE_URL === undefined) {
    throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary they replicate)');
  }
  if (settings.NODE_ENV === 'production' && settings.JWT_SECRET === undefined) {
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  }
  if (settings.DB_LOCK_TIMEOUT_MS >= settings.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `DB_LOCK_TIMEOUT_MS (${settings.DB_LOCK_TIMEOUT_MS}) must be below REQUEST_TIMEOUT_MS (${settings.REQUEST_TIMEOUT_MS}): ` +
        'a request waiting for a lock must give up within its deadline',
    );
  }
  if (settings.DB_POOL_GROUP_MAX > settings.DB_POOL_MAX) {
    throw new ConfigError(
      `DB_POOL_GROUP_MAX (${settings.DB_POOL_GROUP_MAX}) must be at most DB_POOL_MAX (${settings.DB_POOL_MAX})`,
    );
  }
}

/** `terminal`: whether stdout is a terminal, which decides the default LOG_FORMAT. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  terminal: boolean = process.stdout.isTTY === true,
): Config {
  const settings = readSettings(env, terminal);
  checkTogether(settings);
  return Object.freeze({
    nodeEnv: settings.NODE_ENV,
    production: settings.NODE_ENV === 'production',
    port: settings.PORT,
    host: settings.HOST,
    databaseUrl: settings.DATABASE_URL,
    replicaUrls: Object.freeze(settings.DATABASE_REPLICA_URLS),
    replicaMaxLagMs: settings.REPLICA_MAX_LAG_MS,
    dbPoolMax: settings.DB_POOL_MAX,
    dataDir: settings.GATHER_DATA_DIR,
    jwtSecret: settings.JWT_SECRET,
    jwtExpiresIn: settings.JWT_EXPIRES_IN,
    logLevel: settings.LOG_LEVEL,
    logFormat: settings.LOG_FORMAT,
    trace: settings.GATHER_TRACE,
    autoMigrate: settings.GATHER_AUTO_MIGRATE,
    bodyLimit: settings.BODY_LIMIT,
    workers: settings.GATHER_WORKERS,
    metrics: settings.GATHER_METRICS,
    redisUrl: settings.REDIS_URL,
    trustProxy: settings.TRUST_PROXY,
    authLimits: Object.freeze({
      loginFailuresPerAccount: settings.LOGIN_FAILURES_PER_ACCOUNT,
      loginFailuresPerAccountAndAddress: settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
      loginFailuresPerAddress: settings.LOGIN_FAILURES_PER_ADDRESS,
      registrationsPerAddress: settings.REGISTRATIONS_PER_ADDRESS,
    }),
    otel: otelSettings(env),
    deadlines: Object.freeze({
      requestMs: settings.REQUEST_TIMEOUT_MS,
      statementMs: settings.DB_STATEMENT_TIMEOUT_MS,
      lockMs: settings.DB_LOCK_TIMEOUT_MS,
      idleInTransactionMs: settings.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }),
    dbPoolGroupMax: settings.DB_POOL_GROUP_MAX,
    dbPoolQueueMax: settings.DB_POOL_QUEUE_MAX,
    shedEventLoopDelayMs: settings.SHED_EVENT_LOOP_DELAY_MS,
    maxRequestsInFlight: settings.MAX_REQUESTS_IN_FLIGHT,
    migrationPolicy: Object.freeze({
      timeoutMs: settings.MIGRATION_LOCK_TIMEOUT_MS,
      attempts: settings.MIGRATION_LOCK_ATTEMPTS,
      backfillPauseRatio: settings.MIGRATION_BACKFILL_PAUSE_PERCENT / 100,
    }),
  });
}

/** What an empty environment gives MIGRATION_*: the runner's policy when it is given none. */
export const DEFAULT_MIGRATION_POLICY: MigrationPolicy = loadConfig({}, false).migrationPolicy;
