// The one composition root: configuration → the database (with the instrumentation hook) → the migration
// policy → the queries, built once → the app. Everything that opens Gather's data starts here: serve and its
// workers, trace, seed, db, the tests, the benchmarks and labs, docs generation and the reliability
// scenarios, so that a policy (the migration mode, the embedded folder's lock) is written once.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase } from './db/client.ts';
import { createDataFolder } from './db/data-folder.ts';
import type { Database } from './db/database.ts';
import { loadMigrations, type Migration } from './db/migrate/files.ts';
import { MigrationError, pending, upgrade } from './db/migrate/runner.ts';
import { type Instrument, uninstrumented } from './instrument.ts';
import { recordSpan } from './tracing/recorder.ts';
import type { TraceStore } from './tracing/trace-store.ts';

/**
 * What opening the data does about pending migrations, chosen by name at every call:
 * - standard: what a user's command does. The embedded database is migrated on open (it belongs to this one
 *   process; nothing else could migrate it); PostgreSQL must be migrated already (`gather db upgrade`,
 *   reviewed with `gather db sql`), unless GATHER_AUTO_MIGRATE=1 asks for it.
 * - apply: apply what is pending, on either database (`serve --migrate`; tests and benchmarks on databases of
 *   their own).
 * - untouched: leave the schema as it is (`gather db`, which is the migration tool; cluster workers, whose
 *   primary has decided).
 */
export type MigrationMode = 'standard' | 'apply' | 'untouched';

export type OpenOptions = Readonly<{
  config: Config;
  migrations: MigrationMode;
  /** Who opens the data ("gather serve"): a second process that finds the embedded folder locked is told. */
  holder: string;
  /** Connections for PostgreSQL; DB_POOL_MAX by default. */
  poolMax?: number;
  /** Told of each migration applied. */
  onApply?: (migration: Migration) => void;
  /** Told when a new embedded folder is a copy of the template with these migrations applied. */
  onTemplateCopied?: (migrations: readonly Migration[]) => void;
  /** Told when the slow part of opening begins (the embedded folder is ours; a new one takes seconds). */
  onOpening?: () => void;
  /** Who observes the data path, in place of the configuration's choice (a test that holds queries back). */
  instrument?: Instrument;
}>;

/** Tracing's recorder when anything records spans (the trace viewer, OTLP export); otherwise nothing. */
function instrumentFor(config: Config): Instrument {
  return config.gatherTrace || config.otel !== undefined ? recordSpan : uninstrumented;
}

/** Whether opening applies what is pending: otherwise a pending migration is refused (or left, untouched). */
const appliesOnOpen = ({ migrations: mode, config }: OpenOptions) =>
  mode === 'apply' || (mode === 'standard' && (config.databaseUrl === undefined || config.gatherAutoMigrate));

async function applyPolicy(
  database: Database,
  options: OpenOptions,
  migrations: readonly Migration[],
): Promise<void> {
  if (options.migrations === 'untouched') return;
  if (appliesOnOpen(options)) {
    await upgrade(database, migrations, { onApply: options.onApply, locks: options.config.migrationPolicy });
    return;
  }
  const waiting = await pending(database, migrations);
  if (waiting.length > 0) {
    throw new MigrationError(
      `${waiting.length} migration(s) pending (${waiting.map((m) => m.name).join(', ')}); ` +
        'review them with `gather db sql`, apply with `gather db upgrade`, or start with `gather serve --migrate`',
    );
  }
}

/** Opens the configured database (locking an embedded folder) and applies the migration policy. */
export async function openData(options: OpenOptions): Promise<Database> {
  const { config } = options;
  const migrations = options.migrations === 'untouched' ? [] : await loadMigrations();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.gatherDataDir,
    poolMax: options.poolMax ?? config.dbPoolMax,
    replicaUrls: config.databaseReplicaUrls,
    replicaMaxLagMs: config.replicaMaxLagMs,
    holder: options.holder,
    onOpening: options.onOpening,
    migrating: appliesOnOpen(options)
      ? { migrations, onCopied: () => options.onTemplateCopied?.(migrations) }
      : undefined,
    instrument: options.instrument ?? instrumentFor(config),
    limits: {
      groupMax: config.dbPoolGroupMax,
      queueMax: config.dbPoolQueueMax,
      statementMs: config.dbStatementTimeoutMs,
      lockMs: config.dbLockTimeoutMs,
      idleInTransactionMs: config.dbIdleInTransactionTimeoutMs,
    },
  });
  try {
    await applyPolicy(database, options, migrations);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/**
 * JWT_SECRET; outside production without one, a secret generated once and kept in the data folder (for an
 * in-memory database, one for this process).
 */
async function jwtSecretOf(config: Config): Promise<string> {
  if (config.jwtSecret !== undefined) return config.jwtSecret;
  if (config.gatherDataDir === 'memory://') return randomBytes(48).toString('base64url');
  const file = join(config.gatherDataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await createDataFolder(config.gatherDataDir);
  // 'wx': if another process wrote it first, keep theirs.
  await writeFile(file, `${randomBytes(48).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return (await readFile(file, 'utf8')).trim();
}

/**
 * The app's modules (Fastify, the features, their schemas): loaded when an app is assembled, not with this
 * module, so that `gather db` never loads them and `serve` loads them while its database opens.
 */
const appModules = () => Promise.all([import('./app.ts'), import('./features/queries.ts')]);

/** The app over an open database: its queries built once, its JWT secret resolved. */
export async function assembleApp(
  config: Config,
  database: Database,
  traces?: TraceStore,
  instrument = instrumentFor(config),
): Promise<FastifyInstance> {
  const [{ buildApp }, { createQueries }] = await appModules();
  return buildApp({
    config,
    database,
    queries: createQueries(database.db),
    jwtSecret: await jwtSecretOf(config),
    instrument,
    traces,
  });
}

export type Gather = Readonly<{
  config: Config;
  database: Database;
  app: FastifyInstance;
  /** Closes the app, then the database (releasing an embedded folder). */
  close(): Promise<void>;
}>;

/** Gather, ready to listen or to be sent requests with app.inject(). */
export async function bootGather(options: OpenOptions & { traces?: TraceStore }): Promise<Gather> {
  // Loaded on this thread while the database opens: in a thread of its own on PGlite (seconds for a new
  // folder), over the network on PostgreSQL. assembleApp waits for the same imports.
  const loading = appModules();
  loading.catch(() => {}); // a failure is assembleApp's to report, after openData's own
  const database = await openData(options);
  try {
    const app = await assembleApp(options.config, database, options.traces, options.instrument);
    await app.ready();
    return {
      config: options.config,
      database,
      app,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
