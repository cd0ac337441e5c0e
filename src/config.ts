// The only reader of process.env. Parsed once at start; bad values fail with one clear line.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { CommandError } from './command-error.ts';

/** The variables Gather reads (README "Configuration"), besides the standard OTEL_* ones. */
export const SETTINGS = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_REPLICA_URLS',
  'REPLICA_MAX_LAG_MS',
  'DB_POOL_MAX',
  'GATHER_DATA_DIR',
  'JWT_SECRET',
  'JWT_EXPIRES_IN',
  'LOG_LEVEL',
  'LOG_FORMAT',
  'NODE_ENV',
  'GATHER_TRACE',
  'GATHER_AUTO_MIGRATE',
  'GATHER_WORKERS',
  'GATHER_METRICS',
  'BODY_LIMIT',
  'REDIS_URL',
  'TRUST_PROXY',
  'LOGIN_FAILURES_PER_ACCOUNT',
  'LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS',
  'LOGIN_FAILURES_PER_ADDRESS',
  'REGISTRATIONS_PER_ADDRESS',
  'REQUEST_TIMEOUT_MS',
  'DB_STATEMENT_TIMEOUT_MS',
  'DB_LOCK_TIMEOUT_MS',
  'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
  'DB_POOL_GROUP_MAX',
  'DB_POOL_QUEUE_MAX',
  'SHED_EVENT_LOOP_DELAY_MS',
  'MAX_REQUESTS_IN_FLIGHT',
  'MIGRATION_LOCK_TIMEOUT_MS',
  'MIGRATION_LOCK_ATTEMPTS',
] as const;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** pretty: one readable line per request, for a person at a terminal; json: one JSON object a line. */
export type LogFormat = 'pretty' | 'json';

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
  /** How long each migration statement waits for its table lock, and how often a timed-out phase is tried. */
  migrationLocks: LockPolicy;
}>;

/** How `gather db upgrade` (and start-up migrations) wait for table locks; the migration runner applies it. */
export type LockPolicy = Readonly<{
  /** lock_timeout of every statement: the longest live traffic can queue behind a migration's lock wait. */
  timeoutMs: number;
  /** A phase whose lock is not granted in time is rolled back and run again, this many times in all. */
  attempts: number;
}>;

export const DEFAULT_LOCK_POLICY: LockPolicy = { timeoutMs: 2_000, attempts: 5 };

/** At most `max` in a window of `windowMs`, the window starting with the first one counted. */
export type Limit = Readonly<{ max: number; windowMs: number }>;

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

/** A bad setting: printed as `gather: invalid configuration: <message>`. */
export class ConfigError extends CommandError {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be 1/0 (or true/false), got "${raw}"`);
}

const DURATION_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** "10/15m": a count from 1, then a window from 1s to 24h in seconds, minutes or hours. */
function limit(env: NodeJS.ProcessEnv, name: string, fallback: string): Limit {
  const raw = env[name] || fallback;
  const match = /^(\d+)\/(\d+)([smh])$/.exec(raw);
  if (match !== null) {
    const max = Number(match[1]);
    const windowMs = Number(match[2]) * DURATION_MS[match[3] as keyof typeof DURATION_MS];
    if (max >= 1 && max <= 1_000_000_000 && windowMs >= 1_000 && windowMs <= 86_400_000) {
      return Object.freeze({ max, windowMs });
    }
  }
  throw new ConfigError(
    `${name} must look like ${fallback} (a count from 1, then a window from 1s to 24h), got "${raw}"`,
  );
}

/** An address, a CIDR, or one of the names proxy-addr (Fastify's trustProxy) gives to private ranges. */
function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

/**
 * TRUST_PROXY: unset = no proxy is trusted (X-Forwarded-For is ignored); else the proxies' addresses and
 * CIDRs, comma-separated. Neither "trust every proxy" (the client writes the first X-Forwarded-For entry,
 * so it could choose the address every limit counts against) nor a hop count (Fastify 5 trusts nothing
 * for one: a count cannot tell a proxy from a client that sends X-Forwarded-For itself).
 */
function trustProxy(env: NodeJS.ProcessEnv): false | string[] {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '') return false;
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !isProxyAddress(entry));
  if (bad !== undefined) {
    throw new ConfigError(
      'TRUST_PROXY must list the addresses or CIDRs of the proxies in front, comma-separated ' +
        `(10.0.0.0/8,2001:db8::7; loopback, linklocal, uniquelocal), got "${bad}"`,
    );
  }
  return entries;
}

/** A worker count: a whole number from 1 to 64, or `auto` (one per CPU core). Also parses `--workers`. */
export function parseWorkers(raw: string, source: string): number {
  if (raw === 'auto') return availableParallelism();
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new ConfigError(`${source} must be auto or an integer from 1 to 64, got "${raw}"`);
  }
  return value;
}

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
  if (flag(env, 'OTEL_SDK_DISABLED', false)) return undefined;
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

/** LOG_FORMAT; unset: pretty for a person (stdout a terminal, not production), JSON for everything else. */
function logFormat(env: NodeJS.ProcessEnv, production: boolean, terminal: boolean): LogFormat {
  const raw = env.LOG_FORMAT || (terminal && !production ? 'pretty' : 'json');
  if (raw !== 'pretty' && raw !== 'json') {
    throw new ConfigError(`LOG_FORMAT must be pretty or json, got "${raw}"`);
  }
  return raw;
}

/** `terminal`: whether stdout is a terminal, which decides the default LOG_FORMAT. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  terminal: boolean = process.stdout.isTTY === true,
): Config {
  const nodeEnv = env.NODE_ENV || 'development';
  const production = nodeEnv === 'production';

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL must start with postgres:// or postgresql:// (leave it unset for embedded PGlite)',
    );
  }

  const replicaUrls = (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const badReplica = replicaUrls.find((entry) => !/^postgres(ql)?:\/\//.test(entry));
  if (badReplica !== undefined) {
    throw new ConfigError(
      `DATABASE_REPLICA_URLS must list postgres:// URLs, comma-separated, got "${badReplica.replace(/:[^:@/]*@/, ':…@')}"`,
    );
  }
  if (replicaUrls.length > 0 && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary they replicate)');
  }

  const jwtSecret = env.JWT_SECRET || undefined;
  if (production && jwtSecret === undefined) {
    throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  }
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters long');
  }

  const logLevel = (env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info')) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }

  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(
      'REDIS_URL must start with redis:// or rediss:// (leave it unset for in-memory limits)',
    );
  }

  const jwtExpiresIn = env.JWT_EXPIRES_IN || '7d';
  if (!/^\d+[smhd]$/.test(jwtExpiresIn)) {
    throw new ConfigError(`JWT_EXPIRES_IN must look like 15m, 12h or 7d, got "${jwtExpiresIn}"`);
  }

  const dbPoolMax = integer(env, 'DB_POOL_MAX', 10, 1, 1000);
  const deadlines = Object.freeze({
    requestMs: integer(env, 'REQUEST_TIMEOUT_MS', 2_000, 50, 600_000),
    statementMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 2_000, 50, 3_600_000),
    lockMs: integer(env, 'DB_LOCK_TIMEOUT_MS', 500, 10, 3_600_000),
    idleInTransactionMs: integer(env, 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 10_000, 100, 3_600_000),
  });
  if (deadlines.lockMs >= deadlines.requestMs) {
    throw new ConfigError(
      `DB_LOCK_TIMEOUT_MS (${deadlines.lockMs}) must be below REQUEST_TIMEOUT_MS (${deadlines.requestMs}): ` +
        'a request waiting for a lock must give up within its deadline',
    );
  }

  return Object.freeze({
    nodeEnv,
    production,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    replicaUrls: Object.freeze(replicaUrls),
    replicaMaxLagMs: integer(env, 'REPLICA_MAX_LAG_MS', 1_000, 0, 3_600_000),
    dbPoolMax,
    dataDir: env.GATHER_DATA_DIR || './.gather',
    jwtSecret,
    jwtExpiresIn,
    logLevel,
    logFormat: logFormat(env, production, terminal),
    trace: flag(env, 'GATHER_TRACE', !production),
    autoMigrate: flag(env, 'GATHER_AUTO_MIGRATE', false),
    bodyLimit: integer(env, 'BODY_LIMIT', 1024 * 1024, 1024, 100 * 1024 * 1024),
    workers: env.GATHER_WORKERS ? parseWorkers(env.GATHER_WORKERS, 'GATHER_WORKERS') : 1,
    metrics: flag(env, 'GATHER_METRICS', true),
    redisUrl,
    trustProxy: trustProxy(env),
    authLimits: Object.freeze({
      loginFailuresPerAccount: limit(env, 'LOGIN_FAILURES_PER_ACCOUNT', '100/1h'),
      loginFailuresPerAccountAndAddress: limit(env, 'LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS', '10/15m'),
      loginFailuresPerAddress: limit(env, 'LOGIN_FAILURES_PER_ADDRESS', '100/15m'),
      registrationsPerAddress: limit(env, 'REGISTRATIONS_PER_ADDRESS', '200/1h'),
    }),
    otel: otelSettings(env),
    deadlines,
    dbPoolGroupMax: integer(env, 'DB_POOL_GROUP_MAX', Math.ceil(dbPoolMax / 2), 1, dbPoolMax),
    dbPoolQueueMax: integer(env, 'DB_POOL_QUEUE_MAX', 4 * dbPoolMax, 0, 100_000),
    shedEventLoopDelayMs: integer(env, 'SHED_EVENT_LOOP_DELAY_MS', 200, 10, 60_000),
    maxRequestsInFlight: integer(env, 'MAX_REQUESTS_IN_FLIGHT', 64, 1, 1_000_000),
    migrationLocks: Object.freeze({
      timeoutMs: integer(env, 'MIGRATION_LOCK_TIMEOUT_MS', DEFAULT_LOCK_POLICY.timeoutMs, 10, 600_000),
      attempts: integer(env, 'MIGRATION_LOCK_ATTEMPTS', DEFAULT_LOCK_POLICY.attempts, 1, 100),
    }),
  });
}
