// The configuration the app runs with, made once at start: every setting src/settings.ts declares, under its
// variable's name in camel case (nothing here declares a setting again), the few values made from them and from
// the standard OTEL_* variables; the rules between settings are checked here, each in one line.
import { ConfigError, otelSdkDisabled, readSettings, type SettingName, type Settings } from './settings.ts';

/** DB_POOL_MAX → dbPoolMax: a setting's field in Config is its variable's name in camel case. */
type FieldName<Name extends string> = Name extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<FieldName<Tail>>}`
  : Lowercase<Name>;

const fieldName = (name: string) =>
  name.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Every setting of src/settings.ts, read and checked, under its field name; what each does is said there. */
export type SettingFields = { readonly [Name in SettingName as FieldName<Name>]: Settings[Name] };

/** The settings, and the few values made from them or from the standard OTEL_* variables. */
export type Config = SettingFields &
  Readonly<{
    production: boolean;
    /** Set when the standard OTEL_* variables ask for it: recorded spans are also exported over OTLP/HTTP. */
    otel: OtelSettings | undefined;
    /** MIGRATION_* as the migration runner takes them. */
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
export type AuthLimits = Pick<
  SettingFields,
  | 'loginFailuresPerAccount'
  | 'loginFailuresPerAccountAndAddress'
  | 'loginFailuresPerAddress'
  | 'registrationsPerAddress'
>;

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
  const fields = Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [
      fieldName(name),
      Array.isArray(value) ? Object.freeze(value) : value,
    ]),
  ) as SettingFields;
  return Object.freeze({
    ...fields,
    production: settings.NODE_ENV === 'production',
    otel: otelSettings(env),
    migrationPolicy: Object.freeze({
      timeoutMs: settings.MIGRATION_LOCK_TIMEOUT_MS,
      attempts: settings.MIGRATION_LOCK_ATTEMPTS,
      backfillPauseRatio: settings.MIGRATION_BACKFILL_PAUSE_PERCENT / 100,
    }),
  });
}

/** What an empty environment gives MIGRATION_*: the runner's policy when it is given none. */
export const DEFAULT_MIGRATION_POLICY: MigrationPolicy = loadConfig({}, false).migrationPolicy;
