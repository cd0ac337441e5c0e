// The one query pipeline: every statement, on either database, passes through stages composed once when the
// database is opened (pglite.ts, postgres.ts), outermost first —
//
//   PostgreSQL: replica routing → per server: admission → a pool connection → counting → instrumentation → pg
//   PGlite:     admission → instrumentation → the database thread
//
// A stage wraps the run after it and knows nothing of the others; no driver method is replaced.
// statement.ts feeds it Gather's prepared statements; docs/architecture.md draws a statement's way through it.
import { type Instrument, uninstrumented } from '../instrument.ts';
import type { Bulkheads } from './admission.ts';

/**
 * What a statement declares (statement.ts): a read (a replica may serve it), a write, or a read that must see
 * every committed write (the primary serves it); 'other' is anything not prepared by a feature (health
 * checks, migrations, the WAL position after a write).
 */
export type StatementKind = 'read' | 'write' | 'current' | 'other';

export type Statement = Readonly<{
  text: string;
  /** Set for a statement prepared once per connection under this name and run by name after. */
  name?: string;
  kind: StatementKind;
  /** Rows as arrays of values (drizzle's selects with fields) rather than objects. */
  rowMode?: 'array';
  /** Values of TYPES_KEPT_AS_TEXT stay text (Gather's statements); otherwise the driver parses them. */
  keepText?: boolean;
  /** How long the database may take before the statement is abandoned (the replica status check). */
  timeoutMs?: number;
}>;

/** What the drivers answer: their rows, and whatever else each driver's result carries. */
export type QueryResult = { rows: unknown[] };

/** Runs a statement with its parameter values. */
export type Run = (statement: Statement, values?: readonly unknown[]) => Promise<QueryResult>;

/** A stage of the pipeline: given the run after it, the run with this stage in front. */
export type Stage = (next: Run) => Run;

/** `driver` behind `stages`, the first of them outermost. */
export function compose(driver: Run, stages: readonly Stage[]): Run {
  return stages.reduceRight<Run>((next, stage) => stage(next), driver);
}

/** Admission: a slot of the request's bulkhead (until its deadline) for as long as the rest runs. */
export const admitted =
  (bulkheads: Bulkheads): Stage =>
  (next) =>
  async (statement, values) => {
    const leave = await bulkheads.enter();
    try {
      return await next(statement, values);
    } finally {
      leave();
    }
  };

/** Instrumentation: each round trip timed by the observer (tracing), under `peer`; nothing without one. */
export const instrumented =
  (instrument: Instrument, peer: string): Stage =>
  (next) =>
    instrument === uninstrumented
      ? next
      : (statement, values) =>
          instrument('query', statement.text, peer, () => next(statement, values), values);

/** Counting: each statement told to `count` by its kind (what /metrics shows per server). */
export const counted =
  (count: (kind: StatementKind) => void): Stage =>
  (next) =>
  (statement, values) => {
    count(statement.kind);
    return next(statement, values);
  };

/**
 * The types whose values stay PostgreSQL's text, on both drivers (as drizzle's drivers keep them): Gather's
 * timestamps leave PostgreSQL as ISO 8601 text already (isoText()), and none becomes a Date.
 */
export const TYPES_KEPT_AS_TEXT: readonly number[] = [
  1082, // date
  1114, // timestamp
  1184, // timestamptz
  1186, // interval
  1182, // date[]
  1115, // timestamp[]
  1185, // timestamptz[]
  1187, // interval[]
  1231, // numeric[]
];
