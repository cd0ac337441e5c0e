// The embedded database in a thread of its own (pglite-worker.js), seen from the event loop: a client with
// PGlite's query, exec and transaction (the query pipeline's driver on PGlite, pipeline.ts), each a message
// to the thread and a promise of its answer. The loop no longer runs the queries' WebAssembly itself: while the
// database thread works, the loop parses and answers other requests (the second core does the other half).
//
// The data folder's lock stays with this process (data-folder.ts, taken before the thread starts); the thread
// opens the folder and is the only one to touch it. A transaction holds the thread for itself: statements sent
// outside it wait until it ends (PGlite is one connection; they would otherwise run inside it). Statements of
// requests carry their feature's name, and the thread takes the features' statements in turn. A thread that
// dies fails what was sent and everything after with SQLSTATE 57P01 (the server went away: 503).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { currentBulkhead } from '../request-budget.ts';
import type { SqlSession } from './database.ts';
import { createPgdata, ensureTemplate, type Migrating } from './pglite-template.ts';

export type PgliteResults<Row> = {
  rows: Row[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
};

/**
 * A query's options, as PGlite takes them: a row form, and parsers that keep some types' text as it is; and
 * a name (statement.ts) for a statement prepared once in the database thread and run by name after.
 */
export type PgliteQueryOptions = {
  rowMode?: 'array' | 'object';
  parsers?: Record<number, (text: string) => unknown>;
  name?: string;
};

export type PgliteSession = {
  query<Row>(text: string, params?: unknown[], options?: PgliteQueryOptions): Promise<PgliteResults<Row>>;
  exec(text: string): Promise<PgliteResults<Record<string, unknown>>[]>;
};

/** A transaction's session: its statements, and a rollback that ends it at once. */
export type PgliteTransaction = PgliteSession & { rollback(): Promise<void> };

export type PgliteThread = PgliteSession & {
  /** `fn` with the thread to itself, between BEGIN and COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (transaction: PgliteTransaction) => Promise<T>): Promise<T>;
  /** The thread's own heap collected once, as src/cli/startup-memory.ts does on this one (start-up is over). */
  collectStartupGarbage(): Promise<void>;
  close(): Promise<void>;
};

type Request =
  | {
      kind: 'query';
      text: string;
      params: unknown[];
      rowMode: 'array' | 'object';
      keepText: number[];
      prepared: boolean;
      /** The feature whose request sent it (its bulkhead), taken round robin with the others' by the thread. */
      lane: string | undefined;
    }
  | { kind: 'exec'; text: string }
  | { kind: 'collect-garbage' }
  | { kind: 'close' };
type Reply = { id: number; result?: unknown; error?: Record<string, unknown> & { message: string } };

const WORKER = new URL('./pglite-worker.js', import.meta.url);

/**
 * The types whose parser keeps PostgreSQL's text (drizzle's, for timestamps and dates): functions cannot cross
 * to the thread, so only this kind of parser is accepted, as a list of type OIDs; worked out once per options.
 */
const keptTextOf = new WeakMap<object, number[]>();
function keptText(parsers: PgliteQueryOptions['parsers']): number[] {
  if (parsers === undefined) return [];
  let types = keptTextOf.get(parsers);
  if (types === undefined) {
    types = Object.entries(parsers).map(([type, parse]) => {
      if (parse('2000-01-01 00:00:00') !== '2000-01-01 00:00:00') {
        throw new Error(`a parser for type ${type} that changes the text cannot run in the database thread`);
      }
      return Number(type);
    });
    keptTextOf.set(parsers, types);
  }
  return types;
}

/** A session (what migrations and the seeder use) over anything with PGlite's query and exec. */
export function sqlSessionOf(engine: {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<unknown>;
}): SqlSession {
  return {
    query: async <T>(text: string, params?: unknown[]) => (await engine.query<T>(text, params)).rows,
    exec: async (script) => {
      await engine.exec(script);
    },
  };
}

/** An error as the thread described it, with its fields (code, constraint…) where the error handler reads them. */
function databaseError(fields: Record<string, unknown> & { message: string }): Error {
  return Object.assign(new Error(fields.message), fields);
}

/**
 * What the thread opens: a folder (`create`: creates it, a tarball of it at `dumpTo` when given, then closes it
 * and exits), or with no folder a database in memory, loaded from the template's tarball when there is one.
 */
type Opening = Readonly<{ dataDir?: string; create?: boolean; dumpTo?: string; tarball?: string }>;

/** A thread that opens the database as `opening` says; resolves once it has. */
async function startThread(opening: Opening): Promise<Worker> {
  const worker = new Worker(WORKER, { workerData: opening });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new Error(`the database thread exited with ${code} while opening`));
    worker.once('exit', onExit);
    worker.once('error', reject);
    worker.once('message', (message: { opened: boolean; error?: { message: string } }) => {
      worker.off('exit', onExit).off('error', reject);
      if (message.opened) resolve();
      else reject(databaseError(message.error ?? { message: 'the database thread could not open it' }));
    });
  });
  return worker;
}

/**
 * The messages to and from the thread: each request gets an id and its reply settles it. When the thread
 * fails or exits, every pending request and every later one fails with the reason (`gone`).
 */
function messagesTo(worker: Worker) {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let gone: Error | undefined;

  const fail = (reason: string) => {
    gone = databaseError({ message: `the embedded database's thread ${reason}`, code: '57P01' });
    for (const { reject } of pending.values()) reject(gone);
    pending.clear();
  };
  worker.on('message', ({ id, result, error }: Reply) => {
    const waiting = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    if (error === undefined) waiting?.resolve(result);
    else waiting?.reject(databaseError(error));
  });
  worker.on('error', (error) => fail(`failed (${error.message})`));
  worker.on('exit', (code) => fail(`exited (${code})`));
  // Idle, the thread must not keep a finished command's process alive; a statement on its way must.
  worker.unref();

  const send = <T>(request: Request): Promise<T> => {
    if (gone !== undefined) return Promise.reject(gone);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, ...request });
    });
  };
  return { send, gone: () => gone };
}

/** `fn` between BEGIN and COMMIT, or ROLLBACK when it throws (or has rolled back itself). */
async function inTransaction<T>(
  session: PgliteSession,
  fn: (transaction: PgliteTransaction) => Promise<T>,
): Promise<T> {
  await session.exec('BEGIN');
  let open = true;
  const rollback = async () => {
    open = false;
    await session.exec('ROLLBACK');
  };
  try {
    const result = await fn({ ...session, rollback });
    if (open) await session.exec('COMMIT');
    return result;
  } catch (error) {
    if (open) await session.exec('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * PostgreSQL's initdb at `folder`, by a thread of its own that then exits: PGlite creates a database with a
 * second WebAssembly instance whose memory, hundreds of MB, would otherwise stay with the process.
 */
export async function initdbInThread(folder: string, tarball?: string): Promise<void> {
  const creator = await startThread({ dataDir: folder, create: true, dumpTo: tarball });
  await new Promise((resolve) => creator.once('exit', resolve));
}

/**
 * Starts the thread and opens the database in it: `dataDir` a folder (created, from the template, when it holds
 * none; from the migrated one when the caller applies `migrating`'s migrations next), or undefined for memory
 * (loaded from the template).
 */
export async function openPgliteThread(
  dataDir: string | undefined,
  migrating?: Migrating,
): Promise<PgliteThread> {
  let worker: Worker;
  if (dataDir === undefined) {
    worker = await startThread({ tarball: (await ensureTemplate(initdbInThread))?.tarball });
  } else {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await createPgdata(dataDir, initdbInThread, migrating);
    worker = await startThread({ dataDir });
  }
  const { send, gone } = messagesTo(worker);
  const sessionIn = (lane: () => string | undefined): PgliteSession => ({
    query: (text, params = [], options = {}) =>
      send({
        kind: 'query',
        text,
        params,
        rowMode: options.rowMode ?? 'object',
        keepText: keptText(options.parsers),
        prepared: options.name !== undefined,
        lane: lane(),
      }),
    exec: (text) => send({ kind: 'exec', text }),
  });
  // A transaction's statements have no lane: the thread runs them in order, after everything sent before.
  const session = sessionIn(() => undefined);
  const requestSession = sessionIn(currentBulkhead);

  // While a transaction runs: the promise that settles when it ends. Waited for in a loop written out in
  // each caller: an async function runs synchronously up to its first await, so when no transaction runs, a
  // statement is sent in the same turn it is called, in the order statements and transactions were called.
  let running: Promise<void> | undefined;
  return {
    query: async (text, params, options) => {
      while (running !== undefined) await running;
      return requestSession.query(text, params, options);
    },
    exec: async (text) => {
      while (running !== undefined) await running;
      return session.exec(text);
    },
    transaction: async (fn) => {
      while (running !== undefined) await running;
      let ended = () => {};
      running = new Promise<void>((resolve) => {
        ended = resolve;
      });
      try {
        return await inTransaction(session, fn);
      } finally {
        running = undefined;
        ended();
      }
    },
    collectStartupGarbage: async () => {
      while (running !== undefined) await running;
      await send({ kind: 'collect-garbage' });
    },
    close: async () => {
      if (gone() === undefined) await send({ kind: 'close' });
      await worker.terminate();
    },
  };
}
