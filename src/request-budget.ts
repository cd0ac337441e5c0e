// A request's budget, held for everything the request runs (AsyncLocalStorage): its deadline, the bulkhead of
// the feature that serves it, and its WAL positions. http/shedding.ts gives every request one; the query
// pipeline (db/admission.ts, the replica routing) and the password hasher's callers read it. This module is
// the only one that holds it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/** A wait that would outlast the request's deadline, or a queue that is full: the request is shed. */
export class OverCapacity extends Error {
  override name = 'OverCapacity';
  readonly code = 'GATHER_OVER_CAPACITY';
}

export type RequestBudget = Readonly<{
  /** performance.now() milliseconds past which the request stops waiting. */
  deadline: number;
  /** The feature whose pool share the request draws on; undefined: not capped (health checks). */
  bulkhead: string | undefined;
  /** The WAL positions of read-your-writes (db/replicas.ts), filled in as the request runs. */
  wal: WalMark;
}>;

/** What a request's reads must see, and what its writes reached (0n: nothing), as WAL positions in bytes. */
export type WalMark = { needed: bigint; written: bigint };

const storage = new AsyncLocalStorage<RequestBudget>();

/** Runs `fn` (and everything it awaits) within `budget`. */
export function withinBudget<T>(budget: RequestBudget, fn: () => T): T {
  return storage.run(budget, fn);
}

/** Whether the caller runs on behalf of a request (inside a budget). */
export function inRequest(): boolean {
  return storage.getStore() !== undefined;
}

/** The bulkhead (feature) the current request draws on; undefined outside a request or when not capped. */
export function currentBulkhead(): string | undefined {
  return storage.getStore()?.bulkhead;
}

/** The current request's WAL positions; undefined outside a request. */
export function walMark(): WalMark | undefined {
  return storage.getStore()?.wal;
}

/** Milliseconds left before the current request's deadline; Infinity outside a request. */
export function msLeft(): number {
  const budget = storage.getStore();
  return budget === undefined ? Number.POSITIVE_INFINITY : budget.deadline - performance.now();
}
