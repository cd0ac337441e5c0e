// Opens the database: embedded PGlite (a locked folder, or memory for tests) or PostgreSQL through a pg pool.
// Every round trip and every wait for a pool connection goes through the `instrument` hook it is given, so an
// observer (tracing) can time them; this module knows nothing of who observes.
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { CommandError } from '../command-error.ts';
import { type Instrument, uninstrumented } from '../instrument.ts';
import { createBulkheads, inRequest, OverCapacity, untilDeadline, walMark } from './admission.ts';
import { type DataFolder, openDataFolder } from './data-folder.ts';
import { drizzlePg, loadDrizzlePglite } from './orm.ts';
import { openPgliteThread, type PgliteThread, sqlSessionOf } from './pglite-thread.ts';
import {
  createReplicaRouter,
  parseWalPosition,
  REPLICA_STATUS_SQL,
  type ReplicaHealth,
  type ReplicaView,
} from './replicas.ts';
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
  /** The locked PGlite folder; undefined in memory and on PostgreSQL. */
  readonly dataFolder: DataFolder | undefined;
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query (with replicas: the primary, which takes the writes). */
  ping(): Promise<void>;
  /** Resolves when a read can be served: the primary answers, or a replica within REPLICA_MAX_LAG_MS does. */
  pingReads(): Promise<void>;
  poolStats(): PoolStats | undefined;
  /** Read replicas (DATABASE_REPLICA_URLS); 0 on PGlite. */
  readonly readReplicas: number;
  /** Queries per server, the primary first; empty on PGlite. */
  servers(): ServerStats[];
  /** Who is told when a replica changes health (the app's log); one listener, the last one set. */
  onReplicaHealth(listener: ReplicaHealthListener): void;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** postgres://… for PostgreSQL; undefined for PGlite. */
  databaseUrl: string | undefined;
  /** PGlite folder; 'memory://' keeps everything in memory. */
  dataDir: string;
  poolMax: number;
  /** Who opens it ("gather serve"): written in the PGlite folder's lock for a refused second process. */
  holder: string;
  /** Told when the slow part of opening begins (PGlite: the folder is ours, PostgreSQL starts inside it). */
  onOpening?: () => void;
  instrument?: Instrument;
  /** PostgreSQL: what a request may wait for and what each session may take (config.ts says which). */
  limits?: PoolLimits;
  onPoolError?: (error: Error) => void;
  /** postgres://… of read replicas (DATABASE_REPLICA_URLS): one pool each, like the primary's. */
  replicaUrls?: readonly string[];
  /** How far behind a replica may be to serve a read that needs no WAL position (REPLICA_MAX_LAG_MS). */
  replicaMaxLagMs?: number;
};

/** Told once per change of a replica's health (up, lagging, down). */
export type ReplicaHealthListener = (name: string, health: ReplicaHealth, reason: string) => void;

/** A replica status check that takes longer counts as the replica being down. */
const STATUS_TIMEOUT_MS = 2_000;

export type PoolLimits = Readonly<{
  /** Connections the requests of one feature may hold at once (admission.ts). */
  groupMax: number;
  /** Requests that may wait for a connection at once; the next one is shed. */
  queueMax: number;
  /** PostgreSQL's statement_timeout, lock_timeout, idle_in_transaction_session_timeout, per connection. */
  statementMs: number;
  lockMs: number;
  idleInTransactionMs: number;
}>;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === undefined ? openPglite(options) : openPostgres(options);
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  // The folder's lock first: a second process is refused at once, before any slow work.
  const inMemory = options.dataDir === 'memory://';
  const folder = inMemory ? undefined : await openDataFolder(options.dataDir, options.holder);
  options.onOpening?.();
  // Loaded on demand: a PostgreSQL server never loads PGlite's driver.
  let drizzlePglite: ReturnType<typeof loadDrizzlePglite>;
  try {
    drizzlePglite = loadDrizzlePglite();
  } catch (error) {
    await folder?.release();
    throw error;
  }
  let client: PgliteThread;
  try {
    client = await openPgliteThread(folder?.pgdata);
  } catch (error) {
    await folder?.release();
    throw new CommandError(
      `the embedded database in ${options.dataDir} could not be opened (${(error as Error).message}); ` +
        'it is left as it is: restore the folder from a backup, or move it aside and start on an empty ' +
        'GATHER_DATA_DIR',
    );
  }
  for (const [name, value] of Object.entries(PLANNER_SETTINGS)) await client.exec(`SET ${name} = ${value}`);
  instrumentPglite(client, options.instrument ?? uninstrumented);
  admitPerFeature(client);
  const session = sqlSessionOf(client);
  return {
    kind: 'pglite',
    label: inMemory ? 'PGlite (in memory)' : `PGlite (${options.dataDir})`,
    // drizzle's PGlite driver, on the thread's client (its query, exec and transaction are PGlite's).
    db: drizzlePglite({ client: client as unknown as PGlite, schema }) as unknown as Db,
    dataFolder: folder,
    // PGlite is a single connection: a session is the instance itself.
    withSession: (fn) => fn(session),
    ping: async () => {
      await client.query('select 1');
    },
    pingReads: async () => {
      await client.query('select 1');
    },
    poolStats: () => undefined,
    readReplicas: 0,
    servers: () => [],
    onReplicaHealth: () => {},
    close: async () => {
      await client.close();
      await folder?.release();
    },
  };
}

/**
 * Statements one feature's requests may have in the database thread at once (as the pool's bulkheads keep a
 * share of connections per feature on PostgreSQL): the thread takes the features' statements in turns, so
 * another feature's statement waits for at most the one running, and the cap keeps a flood's queue here,
 * where each statement waits within its request's deadline. Two keep the thread busy while the loop handles
 * an answer.
 */
const PGLITE_STATEMENTS_PER_FEATURE = 2;

/** A request's statement waits for its feature's turn (until its deadline: then 503) before it is sent. */
function admitPerFeature(client: PgliteThread): void {
  const bulkheads = createBulkheads(PGLITE_STATEMENTS_PER_FEATURE);
  const query = client.query.bind(client);
  client.query = (async (text, params, options) => {
    const leave = await bulkheads.enter();
    try {
      return await query(text, params, options);
    } finally {
      leave();
    }
  }) as PgliteThread['query'];
}

function instrumentPglite(client: PgliteThread, instrument: Instrument): void {
  if (instrument === uninstrumented) return;
  const query = client.query.bind(client);
  const exec = client.exec.bind(client);
  client.query = ((text, params, options) =>
    instrument(
      'query',
      text,
      'Database',
      () => query(text, params, options),
      params,
    )) as PgliteThread['query'];
  client.exec = (text) => instrument('query', text, 'Database', () => exec(text));
}

/** A query error with a SQLSTATE outside "connection exception" leaves the connection usable. */
function leavesConnectionUsable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|57|53)/.test(code);
}

/** Why PostgreSQL cannot be used, as one line with the fix. */
function connectError(url: URL, error: unknown): CommandError {
  const where = `${url.hostname}:${url.port || 5432}`;
  const name = decodeURIComponent(url.pathname.slice(1)) || url.username || 'postgres';
  const code = (error as { code?: unknown }).code;
  const reason = (error as Error).message;
  if (code === '3D000') {
    const user = url.username === '' ? '' : ` -U ${url.username}`;
    return new CommandError(
      `the database "${name}" does not exist on PostgreSQL at ${where}: create it with ` +
        `\`createdb -h ${url.hostname} -p ${url.port || 5432}${user} ${name}\`, or fix DATABASE_URL`,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new CommandError(`PostgreSQL at ${where} refused the login (${reason}): fix DATABASE_URL`);
  }
  return new CommandError(
    `PostgreSQL at ${where} does not answer (${code ?? reason}): start it, or fix DATABASE_URL`,
  );
}

/**
 * What a prepared statement declares (statement.ts), carried in its query config to the pool's router: a read
 * (a replica may serve it), a write, or a read that must see every committed write (the primary serves it).
 */
export type StatementKind = 'read' | 'write' | 'current';
export const STATEMENT_KIND = 'gatherStatementKind';

type QueryConfig = { text: string; values?: unknown[]; [STATEMENT_KIND]?: StatementKind };
type PoolQuery = (config: string | QueryConfig, values?: unknown[]) => Promise<unknown>;

export type QueryCounts = Record<StatementKind | 'other', number>;
const noQueries = (): QueryCounts => ({ read: 0, write: 0, current: 0, other: 0 });

/** A server's share of the queries: what /metrics counts. */
export type ServerStats = Readonly<{
  /** 'Database' (the primary) or 'Database (replica N)': the peer of its spans in traces. */
  name: string;
  /** Round trips by what ran: a statement declared a read or a write, or anything else ('other': status
   * checks, WAL positions, health checks, migrations). */
  queries: QueryCounts;
  /** Replicas only. */
  replica?: ReplicaView;
}>;

/**
 * Every statement is prepared once (statement.ts) and planned once: PostgreSQL's default re-plans a prepared
 * statement on each execution while its generic plan's estimate (a LIMIT it cannot see) looks costlier than a
 * custom plan's, which a growing table makes it do for good: 0.25–0.5 ms of planning beside a list page's
 * 0.3 ms of execution on 1,000,000 articles. Gather's statements are key lookups and index ranges whose best
 * plan does not depend on the values.
 */
export const PLANNER_SETTINGS = { plan_cache_mode: 'force_generic_plan' } as const;

/**
 * The URL with the settings every connection starts with, in the startup packet's `options` (no round trip;
 * every connection has them from its first query): the planner's, and the deadlines. The URL's own `options`
 * (a search_path, say) stay first: node-postgres lets a URL's `options` replace the pool's, so all go in it.
 */
export function withSessionSettings(connectionString: string, limits: PoolLimits | undefined): string {
  const url = new URL(connectionString);
  const settings = {
    ...PLANNER_SETTINGS,
    ...(limits !== undefined && {
      statement_timeout: limits.statementMs,
      lock_timeout: limits.lockMs,
      idle_in_transaction_session_timeout: limits.idleInTransactionMs,
    }),
  };
  const own = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  url.searchParams.set('options', [url.searchParams.get('options'), ...own].filter(Boolean).join(' '));
  return url.toString();
}

/**
 * A pg pool whose every round trip is instrumented under `peer`, whose sessions carry the deadlines of
 * `limits`, and whose `query` (as drizzle calls it) waits for a connection in the request's bulkhead and
 * queue, until its deadline.
 */
function openPool(
  connectionString: string,
  options: DatabaseOptions,
  peer: string,
  counted: (kind: StatementKind | 'other') => void,
): pg.Pool {
  const instrument = options.instrument ?? uninstrumented;
  const limits = options.limits;
  const pool = new pg.Pool({
    connectionString: withSessionSettings(connectionString, limits),
    max: options.poolMax,
    // A database that is down must fail fast (503), not hang the request.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const bulkheads = createBulkheads(limits?.groupMax ?? options.poolMax);
  /** A wait for a connection: in a bounded queue, until the request's deadline, or OverCapacity. */
  const waitForConnection = async () => {
    // Only requests are shed: start-up, migrations and seeding wait their turn.
    if (limits !== undefined && inRequest() && pool.waitingCount >= limits.queueMax) {
      throw new OverCapacity('the queue for a database connection is full');
    }
    return untilDeadline(pool.connect(), 'database connection', (late) => late.release());
  };
  pool.on('error', (error) => options.onPoolError?.(error));
  pool.on('connect', (client) => {
    // The pool listens for errors on idle clients only. A checked-out client between two queries (inside a
    // transaction) whose server goes away would emit an unhandled 'error' and crash the process; its next
    // query fails instead (503) and the pool discards it on release.
    client.on('error', (error) => options.onPoolError?.(error));
    const query = client.query.bind(client) as (config: unknown, values?: unknown) => Promise<unknown>;
    client.query = ((config: string | QueryConfig, values?: unknown[]) => {
      counted((typeof config === 'string' ? undefined : config[STATEMENT_KIND]) ?? 'other');
      return instrument(
        'query',
        typeof config === 'string' ? config : config.text,
        peer,
        () => query(config, values),
        values ?? (typeof config === 'string' ? undefined : config.values),
      );
    }) as typeof client.query;
  });
  // pool.query, as drizzle calls it, re-implemented so that a wait for a free connection is its own call, and
  // so that a connection is discarded only when an error broke it. An idle connection already promised to an
  // earlier caller (they queue until the next tick) is no help: this caller then waits for a new or freed one.
  pool.query = (async (config: unknown, values?: unknown) => {
    const leave = await bulkheads.enter();
    try {
      // With an idle connection there is nothing to wait for: no queue check, no deadline timer.
      const client =
        pool.idleCount > pool.waitingCount
          ? await pool.connect()
          : await instrument('pool-wait', 'wait for a pool connection', 'Pool', waitForConnection);
      try {
        const result = await (client.query as (c: unknown, v: unknown) => Promise<unknown>)(config, values);
        client.release();
        return result;
      } catch (error) {
        client.release(leavesConnectionUsable(error) ? undefined : (error as Error));
        throw error;
      }
    } finally {
      leave();
    }
  }) as typeof pool.query;
  return pool;
}

/** An error that says the server could not be reached (a replica's read then goes to the primary, a current
 * read on a primary that is down to a replica). */
function unreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|57P0)/.test(code);
}

/** SQLSTATE 40001 on a standby: the read was cancelled because replay had to remove what it was reading. */
const CONFLICT_WITH_RECOVERY = '40001';

async function openPostgres(options: DatabaseOptions): Promise<Database> {
  const url = new URL(options.databaseUrl!);
  const queries = { primary: noQueries(), replicas: [] as QueryCounts[] };
  const primary = openPool(options.databaseUrl!, options, 'Database', (kind) => {
    queries.primary[kind] += 1;
  });
  let healthListener: ReplicaHealthListener = () => {};
  const replicaUrls = options.replicaUrls ?? [];
  const replicas = replicaUrls.map((replicaUrl, index) => {
    queries.replicas.push(noQueries());
    return openPool(replicaUrl, options, `Database (replica ${index + 1})`, (kind) => {
      queries.replicas[index]![kind] += 1;
    });
  });
  const router =
    replicas.length === 0
      ? undefined
      : createReplicaRouter(
          replicas.map((pool, index) => ({
            name: `Database (replica ${index + 1})`,
            // Outside the request's bulkhead and deadline: one check serves every read that waits for it.
            status: async () => {
              const client = await pool.connect();
              try {
                const { rows } = await client.query<{ replayed: string; lag_ms: number }>({
                  text: REPLICA_STATUS_SQL,
                  query_timeout: STATUS_TIMEOUT_MS,
                } as pg.QueryConfig);
                client.release();
                return { replayed: parseWalPosition(rows[0]!.replayed) ?? 0n, lagMs: rows[0]!.lag_ms };
              } catch (error) {
                client.release(error as Error);
                throw error;
              }
            },
          })),
          options.replicaMaxLagMs ?? 1_000,
          { onHealth: (name, health, reason) => healthListener(name, health, reason) },
        );

  if (router !== undefined) {
    const onPrimary = primary.query.bind(primary) as PoolQuery;
    const onReplica = replicas.map((pool) => pool.query.bind(pool) as PoolQuery);
    // Reads (statements declared 'read') go to a replica that qualifies, everything else to the primary. A
    // write in a request reads the primary's WAL insert position after it: the commit record is behind it,
    // so a replica that has replayed it has the write (read-your-writes, db/replicas.ts).
    primary.query = (async (config: string | QueryConfig, values?: unknown[]) => {
      const kind = typeof config === 'string' ? undefined : config[STATEMENT_KIND];
      const mark = walMark();
      if (kind === 'read') {
        const index = await router.pick(mark?.needed ?? 0n);
        if (index !== undefined) {
          try {
            return await onReplica[index]!(config, values);
          } catch (error) {
            const conflict = (error as { code?: unknown }).code === CONFLICT_WITH_RECOVERY;
            if (!conflict && !unreachable(error)) throw error;
            if (!conflict) router.failed(index, error as Error);
          }
        }
      }
      let result: unknown;
      try {
        result = await onPrimary(config, values);
      } catch (error) {
        // A read that must be current, with the primary down: nothing newer can be committed meanwhile, so a
        // replica that qualifies serves it (a signed-in read stays available for as long as plain reads do).
        const index =
          kind === 'current' && unreachable(error) ? await router.pick(mark?.needed ?? 0n) : undefined;
        if (index === undefined) throw error;
        return await onReplica[index]!(config, values);
      }
      if (kind === 'write' && mark !== undefined) {
        const [row] = (
          (await onPrimary('select pg_current_wal_insert_lsn()::text as position')) as {
            rows: { position: string }[];
          }
        ).rows;
        const position = parseWalPosition(row!.position) ?? 0n;
        if (position > mark.written) mark.written = position;
        if (position > mark.needed) mark.needed = position;
      }
      return result;
    }) as typeof primary.query;
  }

  // Opened means answering: a server that is down, a database that does not exist or a refused login is
  // one line at start, not a stack trace at the first request. A replica may come later: until it answers,
  // the primary serves its reads.
  try {
    await primary.query('select 1');
  } catch (error) {
    await Promise.all([primary, ...replicas].map((pool) => pool.end()));
    throw connectError(url, error);
  }

  return {
    kind: 'postgres',
    label: `PostgreSQL (${url.hostname}:${url.port || 5432}${url.pathname})`,
    db: drizzlePg({ client: primary, schema }) as unknown as Db,
    dataFolder: undefined,
    readReplicas: replicas.length,
    withSession: async (fn) => {
      const client = await primary.connect();
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
      await primary.query('select 1');
    },
    pingReads: async () => {
      const replicaAnswers = async () => {
        const index = await router?.pick(0n);
        if (index === undefined) throw new Error('no replica within REPLICA_MAX_LAG_MS');
        await replicas[index]!.query('select 1');
      };
      // Whichever answers first: a primary that is down does not hold up a replica that is up.
      await Promise.any([primary.query('select 1'), replicaAnswers()]);
    },
    poolStats: () => ({ total: primary.totalCount, idle: primary.idleCount, waiting: primary.waitingCount }),
    servers: () => [
      { name: 'Database', queries: { ...queries.primary } },
      ...(router?.view() ?? []).map((replica, index) => ({
        name: replica.name,
        queries: { ...queries.replicas[index]! },
        replica,
      })),
    ],
    onReplicaHealth: (listener) => {
      healthListener = listener;
    },
    close: async () => {
      await Promise.all([primary, ...replicas].map((pool) => pool.end()));
    },
  };
}
