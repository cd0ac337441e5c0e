// Opens the database: embedded PGlite (a folder, or memory for tests) or PostgreSQL through a pg pool.
// Both are wrapped so that every round trip is recorded by the per-request recorder.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { ConfigError } from '../config.ts';
import { recordSpan } from '../tracing/recorder.ts';
import * as schema from './schema/index.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** One connection, held for the duration of a callback (migrations: advisory lock, transactions). */
export type SqlSession = {
  query<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements (no parameters). */
  exec(script: string): Promise<void>;
};

export type PoolStats = { total: number; idle: number; waiting: number };

export type Database = {
  readonly kind: 'pglite' | 'postgres';
  /** Human-readable: where the data lives (no password). */
  readonly label: string;
  readonly db: Db;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** postgres://… for PostgreSQL; undefined for PGlite. */
  databaseUrl: string | undefined;
  /** PGlite folder; 'memory://' keeps everything in memory. */
  dataDir: string;
  poolMax: number;
  onPoolError?: (error: Error) => void;
};

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === undefined ? openPglite(options.dataDir) : openPostgres(options);
}

async function openPglite(dataDir: string): Promise<Database> {
  // Loaded on demand: PGlite's module alone adds ~40 MB of resident memory to a PostgreSQL server.
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  const client =
    dataDir === 'memory://'
      ? await PGlite.create()
      : await inPgliteFolder(dataDir, () => PGlite.create(dataDir));
  recordPgliteRoundTrips(client);
  const session: SqlSession = {
    query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    exec: async (script) => {
      await client.exec(script);
    },
  };
  return {
    kind: 'pglite',
    label: dataDir === 'memory://' ? 'PGlite (in memory)' : `PGlite (${dataDir})`,
    db: drizzlePglite({ client, schema }) as unknown as Db,
    // PGlite is a single connection: a session is the instance itself.
    withSession: (fn) => fn(session),
    ping: async () => {
      await client.query('select 1');
    },
    poolStats: () => undefined,
    close: () => client.close(),
  };
}

/** What Gather itself keeps in the data folder beside PGlite's files (src/cli/jwt-secret.ts). */
const GATHER_FILES = new Set(['jwt-secret']);

/**
 * PGlite creates a database only in an empty folder; in any other it dies with "Program terminated with
 * exit(1)". A folder Gather used with PostgreSQL first holds only its JWT secret: that is set aside while
 * PGlite creates the database, then put back. A folder with anything else in it is refused in one line.
 */
async function inPgliteFolder<T>(dataDir: string, create: () => Promise<T>): Promise<T> {
  let entries: string[];
  try {
    entries = await readdir(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return create();
    throw error;
  }
  if (entries.length === 0 || entries.includes('PG_VERSION')) return create();
  const foreign = entries.filter((name) => !GATHER_FILES.has(name));
  if (foreign.length > 0) {
    throw new ConfigError(
      `GATHER_DATA_DIR ${dataDir} holds files but no PGlite database (${foreign.slice(0, 3).join(', ')}): use a new or empty folder`,
    );
  }
  const kept = await Promise.all(
    entries.map(async (name) => ({ name, content: await readFile(join(dataDir, name)) })),
  );
  await Promise.all(kept.map(({ name }) => rm(join(dataDir, name))));
  try {
    return await create();
  } finally {
    await Promise.all(
      kept.map(({ name, content }) => writeFile(join(dataDir, name), content, { mode: 0o600 })),
    );
  }
}

function recordPgliteRoundTrips(client: PGlite): void {
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  client.query = ((text: string, params?: unknown[], options?: object) =>
    recordSpan('query', text, 'Database', () => query(text, params, options))) as PGlite['query'];
  client.exec = ((text: string, options?: object) =>
    recordSpan('query', text, 'Database', () => exec(text, options))) as PGlite['exec'];
}

/** A query error with a SQLSTATE outside "connection exception" leaves the connection usable. */
function leavesConnectionUsable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57|53)/.test(code);
}

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const url = new URL(options.databaseUrl!);
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolMax,
    // A database that is down must fail fast (503), not hang the request.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => options.onPoolError?.(error));
  pool.on('connect', (client) => {
    // The pool listens for errors on idle clients only. A checked-out client between two queries (inside a
    // transaction) whose server goes away would emit an unhandled 'error' and crash the process; its next
    // query fails instead (503) and the pool discards it on release.
    client.on('error', (error) => options.onPoolError?.(error));
    const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<unknown>;
    client.query = ((config: string | { text: string }, values?: unknown) =>
      recordSpan('query', typeof config === 'string' ? config : config.text, 'Database', () =>
        query(config, values),
      )) as typeof client.query;
  });
  // pool.query, as drizzle calls it, re-implemented so that a wait for a free connection is its own span.
  // An idle connection already promised to an earlier caller (they queue until the next tick) is no help:
  // this caller then waits for a new or freed connection.
  pool.query = (async (config: unknown, values?: unknown) => {
    const client =
      pool.idleCount > pool.waitingCount
        ? await pool.connect()
        : await recordSpan('pool-wait', 'wait for a pool connection', 'Pool', () => pool.connect());
    try {
      const result = await (client.query as (c: unknown, v: unknown) => Promise<unknown>)(config, values);
      client.release();
      return result;
    } catch (error) {
      client.release(leavesConnectionUsable(error) ? undefined : (error as Error));
      throw error;
    }
  }) as typeof pool.query;

  return {
    kind: 'postgres',
    label: `PostgreSQL (${url.hostname}:${url.port || 5432}${url.pathname})`,
    db: drizzlePg({ client: pool, schema }) as unknown as Db,
    withSession: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn({
          query: async (text, params) => (await client.query(text, params)).rows,
          exec: async (script) => {
            await client.query(script);
          },
        });
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await pool.query('select 1');
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}
