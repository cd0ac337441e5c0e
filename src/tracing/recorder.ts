// The per-request recorder: one AsyncLocalStorage context per traced request, holding every span
// (database round trip, pool wait, handler) with monotonic sub-millisecond start/end times.
// Tests read it to count round trips and to prove overlap; the trace viewer draws it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { CallKind, Instrument } from '../instrument.ts';
import { addValueHashes, hashText, resultRows } from './fingerprint.ts';

/** The handler's own span, and the calls it waits for (instrument.ts). */
export type SpanKind = 'handler' | CallKind;

/** What a query span keeps of its values: hashes only (fingerprint.ts), for the analysis, never shown. */
export type QueryFacts = {
  /** The hash of the whole parameter list: same SQL and same hash, the same statement. */
  readonly paramsHash: number;
  /** The hash of each parameter value. */
  readonly paramHashes: ReadonlySet<number>;
  /** The hash of each value in the result rows; undefined while running, null when too many to compare. */
  resultHashes?: ReadonlySet<number> | null;
  /** Rows returned (undefined while running, or when the call failed). */
  rows?: number;
};

export type Span = {
  readonly kind: SpanKind;
  /** For queries, the SQL text with $n placeholders (never the parameter values). */
  readonly name: string;
  /** The peer the call goes to: 'Database', 'Pool', or any other I/O peer. */
  readonly peer: string;
  /** performance.now() milliseconds: monotonic, sub-millisecond. */
  readonly start: number;
  end: number;
  error?: string;
  /** Queries: fingerprints of their parameters and results (tracing on only). */
  query?: QueryFacts;
};

export type RequestTrace = {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  /** Wall-clock time the request arrived (for listings). */
  readonly startedAt: Date;
  readonly start: number;
  end: number;
  status: number;
  route: string;
  readonly spans: Span[];
};

const storage = new AsyncLocalStorage<RequestTrace>();

export const monotonicNow = (): number => performance.now();

export function newTrace(id: string, method: string, url: string): RequestTrace {
  return {
    id,
    method,
    url,
    startedAt: new Date(),
    start: monotonicNow(),
    end: Number.NaN,
    status: 0,
    route: '',
    spans: [],
  };
}

/** Runs `fn` (and everything it awaits) inside `trace`. */
export function runInTrace<T>(trace: RequestTrace, fn: () => T): T {
  return storage.run(trace, fn);
}

/** Opens a span on the current trace (for spans delimited by hooks, like the handler); undefined when off. */
export function startSpan(kind: SpanKind, name: string, peer: string): Span | undefined {
  const trace = storage.getStore();
  if (trace === undefined) return undefined;
  const span: Span = { kind, name, peer, start: monotonicNow(), end: Number.NaN };
  trace.spans.push(span);
  return span;
}

export function endSpan(span: Span, error?: unknown): void {
  span.end = monotonicNow();
  if (error !== undefined) span.error = error instanceof Error ? error.message : String(error);
}

/**
 * Records one span around `run` when a trace is active; otherwise just runs it. Not an async function, so
 * that with tracing off the cost is one lookup, not an extra promise per round trip. The instrumentation hook
 * (instrument.ts) that the database client and the password hasher call, when tracing is on.
 */
export const recordSpan: Instrument = <T>(
  kind: SpanKind,
  name: string,
  peer: string,
  run: () => Promise<T>,
  params?: readonly unknown[],
): Promise<T> => {
  const span = startSpan(kind, name, peer);
  if (span !== undefined && kind === 'query') span.query = queryFacts(params);
  let pending: Promise<T>;
  try {
    pending = run();
  } catch (error) {
    // As an async function would: a call that throws is a rejected promise, recorded like one.
    pending = Promise.reject(error);
  }
  if (span === undefined) return pending;
  return pending.then(
    (result) => {
      endSpan(span);
      if (span.query !== undefined) recordResult(span.query, result);
      return result;
    },
    (error: unknown) => {
      endSpan(span, error);
      throw error;
    },
  );
};

/** The facts of a query about to run with `params`. */
export function queryFacts(params: readonly unknown[] = []): QueryFacts {
  const paramHashes = new Set<number>();
  addValueHashes(params, paramHashes);
  const text = JSON.stringify(params, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
  return { paramsHash: hashText(text), paramHashes };
}

/** Adds what a query's result says: its row count and the hashes of its values. */
export function recordResult(facts: QueryFacts, result: unknown): void {
  const rows = resultRows(result);
  if (rows === undefined) return;
  facts.rows = rows.length;
  const values = new Set<number>();
  facts.resultHashes = addValueHashes(rows, values) ? values : null;
}

/** The database round trips of a finished trace, in start order. */
export function querySpans(trace: RequestTrace): Span[] {
  return trace.spans.filter((span) => span.kind === 'query');
}

/** True when two spans' time intervals overlap (they were in flight at the same moment). */
export function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
