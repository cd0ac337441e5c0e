// PostgreSQL through pg pools: the primary's, and one per read replica, each behind the query pipeline
// (admission, a connection, counting, instrumentation); reads routed to a replica that qualifies, writes to
// the primary with its WAL position kept for read-your-writes (replicas.ts).
import pg from 'pg';
import { CommandError } from '../command-error.ts';
import { uninstrumented } from '../instrument.ts';
import { inRequest, OverCapacity } from '../request-budget.ts';
import { createBulkheads, untilDeadline } from './admission.ts';
import {
  type Database,
  type DatabaseOptions,
  type Db,
  type DrizzleClient,
  drizzleStatement,
  keepText,
  PLANNER_SETTINGS,
  type PoolLimits,
  type QueryCounts,
  type ReplicaHealthListener,
  SELECT_1,
  type SqlSession,
} from './database.ts';
import { drizzlePg } from './orm.ts';
import {
  admitted,
  compose,
  counted,
  instrumented,
  type Run,
  type Statement,
  type StatementKind,
  TYPES_KEPT_AS_TEXT,
} from './pipeline.ts';
import {
  createReplicaRouter,
  parseWalPosition,
  REPLICA_STATUS_SQL,
  type ReplicaProbe,
  type ReplicaRouter,
  routed,
} from './replicas.ts';
import * as schema from './schema/index.ts';

/** A replica status check that takes longer counts as the replica being down. */
const REPLICA_STATUS: Statement = { text: REPLICA_STATUS_SQL, kind: 'other', timeoutMs: 2_000 };

const noQueries = (): QueryCounts => ({ read: 0, write: 0, current: 0, other: 0 });

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

/** One server's pool and its pipeline. */
type PoolPipeline = Readonly<{
  pool: pg.Pool;
  /** A statement on any connection of the pool: admission, a connection, then `on` that connection. */
  run: Run;
  /** A statement on a connection already held (a session's): counting, instrumentation, pg. */
  on(client: pg.PoolClient): Run;
}>;

/**
 * A pg pool and its pipeline: each statement takes a slot of its request's bulkhead, then a connection (a
 * wait for one in a bounded queue, until the request's deadline), is counted and instrumented under `peer`,
 * and sent. Every connection starts with the deadlines of `limits`.
 */
function openPool(
  connectionString: string,
  options: DatabaseOptions,
  peer: string,
  count: (kind: StatementKind) => void,
): PoolPipeline {
  const instrument = options.instrument ?? uninstrumented;
  const limits = options.limits;
  const pool = new pg.Pool({
    connectionString: withSessionSettings(connectionString, limits),
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
  });
  const connectionStages = [counted(count), instrumented(instrument, peer)];
  // Each connection's pipeline, composed the first time it serves a statement.
  const runs = new WeakMap<pg.PoolClient, Run>();
  const on = (client: pg.PoolClient): Run => {
    let run = runs.get(client);
    if (run === undefined) {
      run = compose(pgDriver(client), connectionStages);
      runs.set(client, run);
    }
    return run;
  };
  /** A wait for a connection: in a bounded queue, until the request's deadline, or OverCapacity. */
  const waitForConnection = async () => {
    // Only requests are shed: start-up, migrations and seeding wait their turn.
    if (limits !== undefined && inRequest() && pool.waitingCount >= limits.queueMax) {
      throw new OverCapacity('the queue for a database connection is full');
    }
    return untilDeadline(pool.connect(), 'database connection', (late) => late.release());
  };
  // A connection for the statement, given back after it; discarded only when an error broke it. An idle
  // connection already promised to an earlier caller (they queue until the next tick) is no help: this caller
  // then waits for a new or freed one, and that wait is its own call for the observer.
  const onAnyConnection: Run = async (statement, values) => {
    // With an idle connection there is nothing to wait for: no queue check, no deadline timer.
    const client =
      pool.idleCount > pool.waitingCount
        ? await pool.connect()
        : await instrument('pool-wait', 'wait for a pool connection', 'Pool', waitForConnection);
    try {
      const result = await on(client)(statement, values);
      client.release();
      return result;
    } catch (error) {
      client.release(leavesConnectionUsable(error) ? undefined : (error as Error));
      throw error;
    }
  };
  const run = compose(onAnyConnection, [admitted(createBulkheads(limits?.groupMax ?? options.poolMax))]);
  return { pool, run, on };
}

/** node-postgres as the pipeline's driver, on one connection. */
const pgDriver =
  (client: pg.PoolClient): Run =>
  (statement, values) =>
    // pg's callback, not the promise pg makes: with that promise, a query's rows outlived V8's young generation
    // (22 KB per list request moved to the old one, against 0.7 KB with the callback; docs/performance.md).
    new Promise((resolve, reject) => {
      client.query(pgQueryConfig(statement, values as unknown[] | undefined), (error, result) => {
        if (error) reject(error);
        else resolve(result);
      });
    });

/**
 * The statement as pg's query config, with only the fields it sets: pg copies the config field by field on
 * every query (one of its larger costs per round trip on a primary-key read).
 */
function pgQueryConfig(statement: Statement, values: unknown[] | undefined): pg.QueryConfig {
  const config: pg.QueryConfig & { rowMode?: 'array'; query_timeout?: number } = {
    text: statement.text,
    values,
  };
  if (statement.name !== undefined) config.name = statement.name;
  if (statement.keepText === true) config.types = PG_TEXT_TYPES as pg.CustomTypesConfig;
  if (statement.rowMode !== undefined) config.rowMode = statement.rowMode;
  if (statement.timeoutMs !== undefined) config.query_timeout = statement.timeoutMs;
  return config;
}

/** pg's type parsers, with TYPES_KEPT_AS_TEXT kept as text. */
const PG_TEXT_TYPES = {
  getTypeParser: (type: number, format?: string) =>
    KEPT_AS_TEXT.has(type) ? keepText : pg.types.getTypeParser(type, format as 'text'),
};
const KEPT_AS_TEXT = new Set(TYPES_KEPT_AS_TEXT);

/**
 * The client drizzle's node-postgres driver is given: its queries (tests and tools run ad hoc ones with `db`)
 * go into the pipeline, and statement.ts finds the pipeline here (`db.$client.run`). Transactions are
 * sessions (`withSession`), not drizzle's: this client is no pg.Pool for drizzle to take a connection from.
 */
function pgDrizzleClient(run: Run): DrizzleClient {
  return {
    run,
    query: (config: string | { text: string; rowMode?: string }, values?: unknown[]) =>
      typeof config === 'string'
        ? run(drizzleStatement(config, undefined), values)
        : run(drizzleStatement(config.text, config.rowMode), values),
  };
}

/** A replica's status check, outside the request's bulkhead and deadline: one serves every read waiting for it. */
function replicaProbe(replica: PoolPipeline, name: string): ReplicaProbe {
  return {
    name,
    status: async () => {
      const client = await replica.pool.connect();
      try {
        const { rows } = await replica.on(client)(REPLICA_STATUS);
        client.release();
        const [status] = rows as { replayed: string; lag_ms: number }[];
        return { replayed: parseWalPosition(status!.replayed) ?? 0n, lagMs: status!.lag_ms };
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    },
  };
}

/** `fn` with one connection of the pool, its statements sent through that connection's stages. */
async function withPoolSession<T>(
  pipeline: PoolPipeline,
  fn: (session: SqlSession) => Promise<T>,
): Promise<T> {
  const client = await pipeline.pool.connect();
  const onSession = pipeline.on(client);
  let result: T;
  try {
    result = await fn({
      query: async <Row>(text: string, params?: unknown[]) =>
        (await onSession({ text, kind: 'other' }, params)).rows as Row[],
      exec: async (script) => {
        await onSession({ text: script, kind: 'other' });
      },
    });
  } catch (error) {
    // A session that failed may have left a transaction open or its connection broken: not reused.
    client.release(error as Error);
    throw error;
  }
  client.release();
  return result;
}

/** Resolves when the primary or a replica within REPLICA_MAX_LAG_MS answers, whichever first: a primary that
 * is down does not hold up a replica that is up. */
async function pingReads(
  primary: PoolPipeline,
  replicas: readonly PoolPipeline[],
  router: ReplicaRouter | undefined,
): Promise<void> {
  const replicaAnswers = async () => {
    const index = await router?.pick(0n);
    if (index === undefined) throw new Error('no replica within REPLICA_MAX_LAG_MS');
    await replicas[index]!.run(SELECT_1);
  };
  await Promise.any([primary.run(SELECT_1), replicaAnswers()]);
}

export async function openPostgres(options: DatabaseOptions): Promise<Database> {
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
          replicas.map((replica, index) => replicaProbe(replica, `Database (replica ${index + 1})`)),
          options.replicaMaxLagMs ?? 1_000,
          { onHealth: (name, health, reason) => healthListener(name, health, reason) },
        );
  const run =
    router === undefined
      ? primary.run
      : routed(
          router,
          primary.run,
          replicas.map((replica) => replica.run),
        );
  const pools = [primary, ...replicas].map(({ pool }) => pool);

  // Opened means answering: a server that is down, a database that does not exist or a refused login is
  // one line at start, not a stack trace at the first request. A replica may come later: until it answers,
  // the primary serves its reads.
  try {
    await primary.run(SELECT_1);
  } catch (error) {
    await Promise.all(pools.map((pool) => pool.end()));
    throw connectError(url, error);
  }

  return {
    kind: 'postgres',
    label: `PostgreSQL (${url.hostname}:${url.port || 5432}${url.pathname})`,
    db: drizzlePg({ client: pgDrizzleClient(run) as unknown as pg.Pool, schema }) as unknown as Db,
    dataFolder: undefined,
    readReplicas: replicas.length,
    withSession: (fn) => withPoolSession(primary, fn),
    ping: async () => {
      await primary.run(SELECT_1);
    },
    pingReads: () => pingReads(primary, replicas, router),
    poolStats: () => {
      const { pool } = primary;
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },
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
    collectStartupGarbage: async () => {},
    close: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
    },
  };
}
