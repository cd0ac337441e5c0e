// Every environment variable Gather reads, declared once: its type and allowed values, its default, what it
// does. The parser (readSettings), the start-up error lines, `gather serve --help`'s environment section and
// the README's settings list are all made from SETTINGS below; a test fails when the README differs.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { CommandError } from './command-error.ts';

/** A bad setting: printed as `gather: invalid configuration: <message>`. */
export class ConfigError extends CommandError {
  override name = 'ConfigError';
}

/** What a default may depend on: read before the other settings. */
export type Context = Readonly<{ production: boolean; test: boolean; terminal: boolean; poolMax: number }>;

/** One environment variable: how to read it and how to describe it. */
export type Setting<T> = Readonly<{
  /** What it does (Markdown: `code` only). */
  meaning: string;
  /** The values it accepts, as an error line says them: `PORT must be <allowed>, got "abc"`. */
  allowed: string;
  /** Its value when unset or empty. */
  fallback: (context: Context) => T;
  /** The default as the README and --help show it. */
  shownDefault: string;
  /** The value of a set variable, or undefined when it is not one of the allowed values. */
  parse: (raw: string) => T | undefined;
  /** Whether an error line may quote the value (not for secrets; URLs are quoted without their password). */
  quotable: boolean;
}>;

type Declared<T> = Readonly<{
  meaning: string;
  default?: T | ((context: Context) => T);
  shownDefault?: string;
}>;

const code = (value: unknown) => `\`${String(value)}\``;
/** A default that is no value: unset, no proxies, no replicas. */
const isUnset = (value: unknown) =>
  value === undefined || value === false || (Array.isArray(value) && value.length === 0);

function setting<T>(
  declared: Declared<T>,
  kind: Pick<Setting<T>, 'allowed' | 'parse'> & { show?: (value: T) => string; quotable?: boolean },
): Setting<T> {
  const { default: fallback } = declared;
  const show = kind.show ?? code;
  return {
    meaning: declared.meaning,
    allowed: kind.allowed,
    fallback: typeof fallback === 'function' ? (fallback as (context: Context) => T) : () => fallback as T,
    shownDefault: declared.shownDefault ?? (isUnset(fallback) ? 'unset' : show(fallback as T)),
    parse: kind.parse,
    quotable: kind.quotable ?? true,
  };
}

function integer(declared: Declared<number>, min: number, max: number, unit = ''): Setting<number> {
  return setting(declared, {
    allowed:
      unit === '' ? `an integer from ${min} to ${max}` : `a whole number of ${unit} from ${min} to ${max}`,
    parse: (raw) => {
      const value = Number(raw);
      return Number.isInteger(value) && value >= min && value <= max ? value : undefined;
    },
  });
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function flag(declared: Declared<boolean>): Setting<boolean> {
  return setting(declared, {
    allowed: '1/0 (or true/false)',
    parse: (raw) =>
      TRUE.includes(raw.toLowerCase()) ? true : FALSE.includes(raw.toLowerCase()) ? false : undefined,
    show: (value) => code(value ? 1 : 0),
  });
}

function text(declared: Declared<string>, allowed = 'any text', pattern = /^/): Setting<string> {
  return setting(declared, { allowed, parse: (raw) => (pattern.test(raw) ? raw : undefined) });
}

function oneOf<const T extends string>(declared: Declared<T>, values: readonly T[]): Setting<T> {
  return setting(declared, {
    allowed: values.length === 2 ? values.join(' or ') : `one of ${values.join(', ')}`,
    parse: (raw) => values.find((value) => value === raw),
  });
}

/** A URL's password is never printed. */
export const withoutPassword = (url: string) => url.replace(/:[^:@/]*@/, ':…@');

function urls(declared: Declared<string[]>, schemes: readonly string[]): Setting<string[]> {
  const scheme = new RegExp(`^(${schemes.join('|')})://`);
  return setting(declared, {
    allowed: `${schemes.map((name) => `${name}://`).join(' or ')} URLs, comma-separated`,
    parse: (raw) => {
      const entries = raw
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
      return entries.every((entry) => scheme.test(entry)) ? entries : undefined;
    },
  });
}

/** One URL; unset by default. */
function url(meaning: string, schemes: readonly string[]): Setting<string | undefined> {
  const scheme = new RegExp(`^(${schemes.join('|')})://`);
  return setting<string | undefined>(
    { meaning },
    {
      allowed: `a URL that starts with ${schemes.map((name) => `${name}://`).join(' or ')}`,
      parse: (raw) => (scheme.test(raw) ? raw : undefined),
    },
  );
}

/** At most `max` in a window of `windowMs`, the window starting with the first one counted. */
export type Limit = Readonly<{ max: number; windowMs: number }>;

const DURATION_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** "10/15m": a count from 1, then a window from 1s to 24h in seconds, minutes or hours. */
function limit(meaning: string, fallback: string): Setting<Limit> {
  const parse = (raw: string): Limit | undefined => {
    const match = /^(\d+)\/(\d+)([smh])$/.exec(raw);
    if (match === null) return undefined;
    const max = Number(match[1]);
    const windowMs = Number(match[2]) * DURATION_MS[match[3] as keyof typeof DURATION_MS];
    const fits = max >= 1 && max <= 1_000_000_000 && windowMs >= 1_000 && windowMs <= 86_400_000;
    return fits ? Object.freeze({ max, windowMs }) : undefined;
  };
  return setting(
    { meaning, default: parse(fallback)!, shownDefault: code(fallback) },
    { allowed: `a count and a window like ${fallback} (a count from 1, a window from 1s to 24h)`, parse },
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
 * The proxies' addresses and CIDRs. Neither "trust every proxy" (the client writes the first X-Forwarded-For
 * entry, so it could choose the address every limit counts against) nor a hop count (Fastify 5 trusts nothing
 * for one: a count cannot tell a proxy from a client that sends X-Forwarded-For itself).
 */
function proxies(declared: Declared<false | string[]>): Setting<false | string[]> {
  return setting(declared, {
    allowed:
      'the addresses or CIDRs of the proxies in front, comma-separated (10.0.0.0/8,2001:db8::7; loopback, linklocal, uniquelocal)',
    parse: (raw) => {
      const entries = raw.split(',').map((entry) => entry.trim());
      return entries.every(isProxyAddress) ? entries : undefined;
    },
  });
}

const WORKERS_ALLOWED = 'auto or an integer from 1 to 64';

/** A worker count: a whole number from 1 to 64, or `auto` (one per CPU core). */
function workerCount(raw: string): number | undefined {
  if (raw === 'auto') return availableParallelism();
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 && value <= 64 ? value : undefined;
}

/** `--workers` on the command line: the same values as GATHER_WORKERS. */
export function parseWorkers(raw: string, source: string): number {
  const value = workerCount(raw);
  if (value === undefined) throw new ConfigError(`${source} must be ${WORKERS_ALLOWED}, got "${raw}"`);
  return value;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** pretty: one readable line per request, for a person at a terminal; json: one JSON object a line. */
export type LogFormat = 'pretty' | 'json';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The variables, in the order the README lists them. */
export const SETTINGS = {
  PORT: integer({ meaning: 'HTTP port (`0` = any free port)', default: 3000 }, 0, 65_535),
  HOST: text({ meaning: 'address to listen on (`0.0.0.0` to serve other machines)', default: '127.0.0.1' }),
  NODE_ENV: text({
    meaning: '`production` turns tracing off by default and requires `JWT_SECRET`',
    default: 'development',
  }),
  DATABASE_URL: url(
    'unset = the embedded PGlite database in `GATHER_DATA_DIR`; set = PostgreSQL through a `pg` pool',
    ['postgres', 'postgresql'],
  ),
  DB_POOL_MAX: integer(
    { meaning: 'PostgreSQL pool size, per process (so per worker)', default: 10 },
    1,
    1000,
  ),
  DATABASE_REPLICA_URLS: urls(
    {
      meaning:
        'read replicas of `DATABASE_URL`: a pool each (`DB_POOL_MAX`); reads go to a replica, writes to the primary, and a client always reads its own writes (docs/scaling.md)',
      default: [],
    },
    ['postgres', 'postgresql'],
  ),
  REPLICA_MAX_LAG_MS: integer(
    {
      meaning:
        "how far behind a replica may be to serve a read that does not need the client's own writes; one further behind, or down, is skipped and checked again every second",
      default: 1_000,
    },
    0,
    3_600_000,
    'milliseconds',
  ),
  GATHER_DATA_DIR: text({
    meaning: 'the PGlite data folder; outside production it also keeps the generated JWT secret',
    default: './.gather',
  }),
  JWT_SECRET: setting<string | undefined>(
    {
      meaning:
        'the HS256 key; required when `NODE_ENV=production`, otherwise generated once and kept in `GATHER_DATA_DIR/jwt-secret`, so that tokens survive a restart',
      shownDefault: 'generated',
    },
    {
      allowed: 'at least 32 characters long',
      parse: (raw) => (raw.length >= 32 ? raw : undefined),
      quotable: false,
    },
  ),
  JWT_EXPIRES_IN: text(
    { meaning: 'token lifetime', default: '7d' },
    'a duration like 15m, 12h or 7d',
    /^\d+[smhd]$/,
  ),
  LOG_LEVEL: oneOf<LogLevel>(
    {
      meaning: "pino's level",
      default: (context) => (context.test ? 'silent' : 'info'),
      shownDefault: '`info`',
    },
    LOG_LEVELS,
  ),
  LOG_FORMAT: oneOf<LogFormat>(
    {
      meaning:
        '`pretty`: one readable line per request (the default when stdout is a terminal outside production); `json`: one JSON object a line, for log collectors (otherwise)',
      default: (context) => (context.terminal && !context.production ? 'pretty' : 'json'),
      shownDefault: '`pretty` / `json`',
    },
    ['pretty', 'json'],
  ),
  GATHER_TRACE: flag({
    meaning: 'per-request traces (`x-trace-id`, `/_gather/traces`)',
    default: (context) => !context.production,
    shownDefault: 'on, off in production',
  }),
  GATHER_AUTO_MIGRATE: flag({
    meaning: 'on PostgreSQL, apply pending migrations at start (as `gather serve --migrate`)',
    default: false,
  }),
  GATHER_WORKERS: setting(
    {
      meaning:
        'processes sharing the port (`auto` = one per core; as `gather serve --workers N`); PostgreSQL only',
      default: 1,
    },
    { allowed: WORKERS_ALLOWED, parse: workerCount },
  ),
  GATHER_METRICS: flag({ meaning: '`GET /metrics` in Prometheus text format', default: true }),
  BODY_LIMIT: integer(
    { meaning: 'the largest request body (larger: 413)', default: 1024 * 1024 },
    1024,
    100 * 1024 * 1024,
    'bytes',
  ),
  REDIS_URL: url('unset = rate-limit counters in memory; set = in Redis, shared by every instance', [
    'redis',
    'rediss',
  ]),
  TRUST_PROXY: proxies({
    meaning:
      "the proxies whose `X-Forwarded-For` names the client, for every limit; unset = none (the socket's address is the client's)",
    default: false,
  }),
  LOGIN_FAILURES_PER_ACCOUNT: limit(
    'failed logins per account (the email, any case) from devices not signed in to it before, from any address; past it those logins get 429 with `Retry-After` (ASVS V2.2.1: at most 100 an hour)',
    '100/1h',
  ),
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: limit(
    'failed logins per account and client address, and per device cookie (a device that signed in before is judged by its own failures only); past it 429',
    '10/15m',
  ),
  LOGIN_FAILURES_PER_ADDRESS: limit(
    'failed logins per client address, whatever the accounts; past it 429',
    '100/15m',
  ),
  REGISTRATIONS_PER_ADDRESS: limit(
    'registrations per client address, failed or not; past it 429. The four counters live in memory, or in Redis with `REDIS_URL`',
    '200/1h',
  ),
  REQUEST_TIMEOUT_MS: integer(
    {
      meaning:
        "a request's deadline for every wait it makes (a bulkhead slot, a pool connection, a hashing thread); past it 503 with `Retry-After` (docs/reliability.md)",
      default: 2_000,
    },
    50,
    600_000,
    'milliseconds',
  ),
  DB_STATEMENT_TIMEOUT_MS: integer(
    {
      meaning:
        "PostgreSQL's `statement_timeout` on every connection of the server (migrations and seeding lift it for their own session)",
      default: 2_000,
    },
    50,
    3_600_000,
    'milliseconds',
  ),
  DB_LOCK_TIMEOUT_MS: integer(
    {
      meaning:
        "PostgreSQL's `lock_timeout`: a query waiting for a lock held elsewhere (a migration, a forgotten transaction) gives up, 503; below `REQUEST_TIMEOUT_MS`",
      default: 500,
    },
    10,
    3_600_000,
    'milliseconds',
  ),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: integer(
    { meaning: "PostgreSQL's `idle_in_transaction_session_timeout` on every connection", default: 10_000 },
    100,
    3_600_000,
    'milliseconds',
  ),
  MIGRATION_LOCK_TIMEOUT_MS: integer(
    {
      meaning:
        "`lock_timeout` of each statement of `gather db upgrade` (and of start-up migrations): live traffic never queues behind a migration's lock wait for longer",
      default: 2_000,
    },
    10,
    600_000,
    'milliseconds',
  ),
  MIGRATION_LOCK_ATTEMPTS: integer(
    {
      meaning:
        'attempts per migration step whose lock is not granted in time, with backoff 1, 2, 4… s; after the last, one error line and exit 1',
      default: 5,
    },
    1,
    100,
  ),
  MIGRATION_BACKFILL_PAUSE_PERCENT: integer(
    {
      meaning:
        "after each batch of a migration's backfill, a pause as long as this share of the batch's time: `100` leaves live traffic half of one connection's time, `0` runs the batches back to back",
      default: 100,
    },
    0,
    10_000,
    'percent',
  ),
  DB_POOL_GROUP_MAX: integer(
    {
      meaning:
        'pool connections the routes of one feature (articles, comments, profiles, tags, users) may hold at once: a stuck table starves its own routes, not the others; at most `DB_POOL_MAX`',
      default: (context) => Math.ceil(context.poolMax / 2),
      shownDefault: 'half of `DB_POOL_MAX`',
    },
    1,
    1000,
  ),
  DB_POOL_QUEUE_MAX: integer(
    {
      meaning: 'requests that may wait for a pool connection at once; more are shed at once (503)',
      default: (context) => 4 * context.poolMax,
      shownDefault: '4 × `DB_POOL_MAX`',
    },
    0,
    100_000,
  ),
  MAX_REQUESTS_IN_FLIGHT: integer(
    {
      meaning:
        'requests one process works on at once; the next is shed at once (503 with `Retry-After`), before any work is done for it',
      default: 64,
    },
    1,
    1_000_000,
  ),
  SHED_EVENT_LOOP_DELAY_MS: integer(
    {
      meaning: 'event-loop delay past which new requests are shed (503 with `Retry-After`) instead of queued',
      default: 200,
    },
    10,
    60_000,
    'milliseconds',
  ),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings = { readonly [Name in SettingName]: ReturnType<(typeof SETTINGS)[Name]['fallback']> };

/** One setting's value from `env`: its fallback when unset or empty, else its parse; a bad value throws. */
export function readSetting<Name extends SettingName>(
  env: NodeJS.ProcessEnv,
  name: Name,
  context: Context,
): Settings[Name] {
  return readVariable(env, name, SETTINGS[name] as Setting<Settings[Name]>, context);
}

/** `name` from `env` as `declared` reads it: its fallback when unset or empty, else its parse; a bad value throws. */
function readVariable<T>(env: NodeJS.ProcessEnv, name: string, declared: Setting<T>, context: Context): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return declared.fallback(context);
  const value = declared.parse(raw);
  if (value !== undefined) return value;
  const got = declared.quotable ? `, got "${withoutPassword(raw)}"` : '';
  throw new ConfigError(`${name} must be ${declared.allowed}${got}`);
}

/** OTEL_SDK_DISABLED, OpenTelemetry's own switch (config.ts reads the OTEL_* variables): a flag like any other. */
export function otelSdkDisabled(env: NodeJS.ProcessEnv): boolean {
  const declared = flag({ meaning: 'OpenTelemetry off', default: false });
  return readVariable(env, 'OTEL_SDK_DISABLED', declared, {
    production: false,
    test: false,
    terminal: false,
    poolMax: 1,
  });
}

/** Every setting read from `env`. */
export function readSettings(env: NodeJS.ProcessEnv, terminal: boolean): Settings {
  const early = { production: false, test: false, terminal, poolMax: 1 };
  const nodeEnv = readSetting(env, 'NODE_ENV', early);
  const context: Context = {
    production: nodeEnv === 'production',
    test: nodeEnv === 'test',
    terminal,
    poolMax: readSetting(env, 'DB_POOL_MAX', early),
  };
  const names = Object.keys(SETTINGS) as SettingName[];
  return Object.fromEntries(names.map((name) => [name, readSetting(env, name, context)])) as Settings;
}

/** `text` in lines of at most `width` characters, every line after the first indented by `indent`. */
function wrapped(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line].join('\n');
}

const declarations = () => Object.entries(SETTINGS) as [SettingName, Setting<unknown>][];

/** The README's settings list (between its settings markers), one item per variable. */
export function settingsMarkdown(): string {
  return declarations()
    .map(([name, { shownDefault, allowed, meaning }]) =>
      wrapped(`- \`${name}\` (default ${shownDefault}; ${allowed}): ${meaning}.`, 116, '  '),
    )
    .join('\n');
}

/** `gather serve --help`'s environment section: each variable, its default and values, what it does. */
export function settingsHelp(): string {
  return declarations()
    .map(
      ([name, { shownDefault, allowed, meaning }]) =>
        `  ${wrapped(`${name} (default ${shownDefault}; ${allowed}): ${meaning}.`.replaceAll('`', ''), 98, '      ')}`,
    )
    .join('\n');
}
