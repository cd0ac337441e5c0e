// The lecture's errands, as real work. Three are I/O: each step is one database round trip (through the
// delay proxy, so it costs a network's worth of waiting). One is CPU: a loop of a set length that keeps its
// thread busy, the person "stuck at the mart". The same code runs on the main thread and in worker threads.
import { performance } from 'node:perf_hooks';

export type Errand = Readonly<{
  name: string;
  /** Who answers the steps: a participant of the diagram (the database, in the lecture's terms). */
  place: string;
  kind: 'io' | 'cpu';
  /** I/O: one round trip per step, in order (take a ticket, then open the account). */
  steps: readonly string[];
}>;

/** The order a single person sets off in: ticket at the bank, chicken ordered, then the mart. */
export const ERRANDS: readonly Errand[] = [
  { name: 'bank', place: 'Bank', kind: 'io', steps: ['take a ticket', 'open an account'] },
  { name: 'chicken', place: 'Chicken shop', kind: 'io', steps: ['order chicken', 'pick up the chicken'] },
  { name: 'mart', place: 'Mart', kind: 'io', steps: ['buy milk'] },
  { name: 'stuck', place: 'Mart checkout', kind: 'cpu', steps: ['stuck at the checkout'] },
];

export type StepResult = Readonly<{ step: string; end: number }>;

/** One errand's run; times in ms from the start of the mode (its t0). */
export type ErrandResult = Readonly<{
  errand: Errand;
  /** Which thread ran it: 'Event loop' (the main thread) or 'Worker 1', 'Worker 2', … */
  runner: string;
  start: number;
  end: number;
  steps: readonly StepResult[];
}>;

/** What an I/O errand needs from a database client: pg's `Client.query` fits. */
export type Queryable = { query(sql: string, values: unknown[]): Promise<unknown> };

export type ErrandWork = Readonly<{
  /** A client of its own (connected beforehand) for an I/O errand. */
  client?: Queryable;
  /** Iterations of the CPU loop, for the stuck errand. */
  stuckIterations: number;
  /** ms since the mode's t0. */
  clock: () => number;
  runner: string;
}>;

/**
 * A CPU-bound loop of a set length: integer mixing that V8 cannot skip (the result is returned and used).
 * It never awaits, so nothing else runs on its thread until it is done.
 */
export function spin(iterations: number): number {
  let state = 0x9e3779b9;
  for (let i = 0; i < iterations; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
  }
  return state >>> 0;
}

export async function runErrand(errand: Errand, work: ErrandWork): Promise<ErrandResult> {
  const start = work.clock();
  const steps: StepResult[] = [];
  if (errand.kind === 'cpu') {
    const checksum = spin(work.stuckIterations);
    steps.push({ step: `${errand.steps[0]} (checksum ${checksum.toString(16)})`, end: work.clock() });
  } else {
    if (work.client === undefined) throw new Error(`errand ${errand.name} needs a database client`);
    for (const step of errand.steps) {
      await work.client.query('select $1::text as step', [step]);
      steps.push({ step, end: work.clock() });
    }
  }
  return { errand, runner: work.runner, start, end: work.clock(), steps };
}

/** A clock in ms from an absolute instant shared across threads (performance.timeOrigin + now). */
export function clockFrom(epochT0: number): () => number {
  return () => performance.timeOrigin + performance.now() - epochT0;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();
