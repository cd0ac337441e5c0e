// What every database is, whichever engine holds the data (PGlite in pglite.ts, PostgreSQL in postgres.ts):
// the Database the app uses, drizzle over the query pipeline, a session, the pool's limits and statistics;
// and what both drivers share.
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Instrument } from '../instrument.ts';
import type { DataFolder } from './data-folder.ts';
import type { Migrating } from './pglite-template.ts';
import type { QueryResult, Run, Statement, StatementKind } from './pipeline.ts';
import type { ReplicaHealth, ReplicaView } from './replicas.ts';
import type * as schema from './schema/index.ts';

/** The client under drizzle (`db.$client`): drizzle's own calls adapted to the pipeline, and the pipeline. */
export type DrizzleClient = Readonly<{ run: Run; query: (...args: never[]) => Promise<QueryResult> }>;

/** Drizzle over the pipeline: the features build their statements with it (statement.ts runs them). */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema> & { readonly $client: DrizzleClient };

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
  /** Drizzle over the query pipeline (pipeline.ts; `db.$client.run`): every statement goes through it. */
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
  /** Start-up is over: PGlite's thread gives back the memory start-up used (src/cli/startup-memory.ts); on
   * PostgreSQL, nothing. */
  collectStartupGarbage(): Promise<void>;
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
  /** What the opener applies as soon as it is open (PGlite: a new folder is copied with them applied). */
  migrating?: Migrating;
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

export type QueryCounts = Record<StatementKind, number>;

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

/** The trivial query that says a server answers. */
export const SELECT_1: Statement = { text: 'select 1', kind: 'other' };

/** A type parser that keeps the value as PostgreSQL's text (TYPES_KEPT_AS_TEXT). */
export const keepText = (text: string) => text;

/** A query drizzle sends itself (not one of statement.ts's): values kept as drizzle's drivers keep them. */
export const drizzleStatement = (text: string, rowMode: string | undefined): Statement => ({
  text,
  kind: 'other',
  keepText: true,
  rowMode: rowMode === 'array' ? 'array' : undefined,
});
