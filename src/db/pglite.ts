// The embedded database: PGlite in a locked folder (or memory, for tests), run in a thread of its own
// (pglite-thread.ts), behind the query pipeline: admission by feature, then instrumentation.
import type { PGlite } from '@electric-sql/pglite';
import { CommandError } from '../command-error.ts';
import { uninstrumented } from '../instrument.ts';
import { createBulkheads } from './admission.ts';
import { openDataFolder } from './data-folder.ts';
import {
  type Database,
  type DatabaseOptions,
  type Db,
  type DrizzleClient,
  drizzleStatement,
  keepText,
  PLANNER_SETTINGS,
  SELECT_1,
  type SqlSession,
} from './database.ts';
import { loadDrizzlePglite } from './orm.ts';
import { openPgliteThread, type PgliteThread } from './pglite-thread.ts';
import { admitted, compose, instrumented, type Run, TYPES_KEPT_AS_TEXT } from './pipeline.ts';
import * as schema from './schema/index.ts';

export async function openPglite(options: DatabaseOptions): Promise<Database> {
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
    client = await openPgliteThread(folder?.pgdata, options.migrating);
  } catch (error) {
    await folder?.release();
    throw new CommandError(
      `the embedded database in ${options.dataDir} could not be opened (${(error as Error).message}); ` +
        'it is left as it is: restore the folder from a backup, or move it aside and start on an empty ' +
        'GATHER_DATA_DIR',
    );
  }
  for (const [name, value] of Object.entries(PLANNER_SETTINGS)) await client.exec(`SET ${name} = ${value}`);
  const instrument = options.instrument ?? uninstrumented;
  const run = compose(pgliteDriver(client), [
    admitted(createBulkheads(PGLITE_STATEMENTS_PER_FEATURE)),
    instrumented(instrument, 'Database'),
  ]);
  const session: SqlSession = {
    query: async <T>(text: string, params?: unknown[]) =>
      (await run({ text, kind: 'other' }, params)).rows as T[],
    exec: async (script) => {
      await instrument('query', script, 'Database', () => client.exec(script));
    },
  };
  return {
    kind: 'pglite',
    label: inMemory ? 'PGlite (in memory)' : `PGlite (${options.dataDir})`,
    db: drizzlePglite({ client: pgliteDrizzleClient(run) as unknown as PGlite, schema }) as unknown as Db,
    dataFolder: folder,
    // PGlite is a single connection: a session is the instance itself.
    withSession: (fn) => fn(session),
    ping: async () => {
      await run(SELECT_1);
    },
    pingReads: async () => {
      await run(SELECT_1);
    },
    poolStats: () => undefined,
    readReplicas: 0,
    servers: () => [],
    onReplicaHealth: () => {},
    collectStartupGarbage: () => client.collectStartupGarbage(),
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

/** PGlite's database thread as the pipeline's driver: a named statement is prepared once there. */
const pgliteDriver =
  (thread: PgliteThread): Run =>
  (statement, values) =>
    thread.query(statement.text, values as unknown[] | undefined, {
      name: statement.name,
      rowMode: statement.rowMode ?? 'object',
      parsers: statement.keepText === true ? PGLITE_TEXT_PARSERS : undefined,
    });

const PGLITE_TEXT_PARSERS = Object.fromEntries(TYPES_KEPT_AS_TEXT.map((type) => [type, keepText]));

/**
 * The client drizzle's PGlite driver is given: its queries (tests and tools run ad hoc ones with `db`) go
 * into the pipeline, and statement.ts finds the pipeline here (`db.$client.run`).
 */
function pgliteDrizzleClient(run: Run): DrizzleClient {
  return {
    run,
    query: (text: string, params: unknown[], options?: { rowMode?: string }) =>
      run(drizzleStatement(text, options?.rowMode), params),
  };
}
