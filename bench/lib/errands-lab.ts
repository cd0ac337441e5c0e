// The errands lab: the same four errands run (a) serially, (b) concurrently on one event loop (Promise.all)
// and (c) in parallel, one worker thread each; plus the checks of the shape the lecture predicts.
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { GoMessage } from './errand-worker.ts';
import { ERRANDS, type ErrandResult, epochNow, runErrand } from './errands.ts';
import type { ModeRun } from './errands-diagram.ts';
import { textTable } from './table.ts';
import { nextMessage, startTsWorker } from './threads.ts';

const READY_TIMEOUT_MS = 30_000;
const ERRAND_TIMEOUT_MS = 60_000;
const EVENT_LOOP = 'Event loop';

export type LabOptions = Readonly<{
  /** PostgreSQL to run the round trips against (through the delay proxy). */
  databaseUrl: string;
  rttMs: number;
  stuckIterations: number;
}>;

/** A connection string to the same database through the proxy on `port`. */
function throughProxy(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/** Connected, with one round trip done, so that connecting and planning are not part of any errand. */
async function readyClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  await client.query('select $1::text as step', ['ready']);
  return client;
}

/** (a) and (b): on this thread, every I/O errand with a client of its own. */
async function runOnEventLoop(
  connectionString: string,
  stuckIterations: number,
  together: boolean,
): Promise<ModeRun> {
  const clients = new Map<string, pg.Client>();
  try {
    for (const errand of ERRANDS) {
      if (errand.kind === 'io') clients.set(errand.name, await readyClient(connectionString));
    }
    const t0 = performance.now();
    const work = (name: string) => ({
      client: clients.get(name),
      stuckIterations,
      clock: () => performance.now() - t0,
      runner: EVENT_LOOP,
    });
    const results: ErrandResult[] = [];
    if (together) {
      results.push(...(await Promise.all(ERRANDS.map((errand) => runErrand(errand, work(errand.name))))));
    } else {
      for (const errand of ERRANDS) results.push(await runErrand(errand, work(errand.name)));
    }
    const total = performance.now() - t0;
    return together
      ? { mode: 'concurrent', how: 'Promise.all on one event loop', total, results }
      : { mode: 'serial', how: 'one after the other, awaiting each', total, results };
  } finally {
    await Promise.all([...clients.values()].map((client) => client.end()));
  }
}

/** (c): one worker thread per errand, each with its own client, all started and ready before t0. */
async function runInWorkers(connectionString: string, stuckIterations: number): Promise<ModeRun> {
  const entry = new URL('./errand-worker.ts', import.meta.url);
  const workers: Worker[] = ERRANDS.map((errand, index) =>
    startTsWorker(entry, { errand, connectionString, stuckIterations, runner: `Worker ${index + 1}` }),
  );
  try {
    await Promise.all(workers.map((worker) => nextMessage<string>(worker, READY_TIMEOUT_MS)));
    const epochT0 = epochNow();
    const results = workers.map((worker) => nextMessage<ErrandResult>(worker, ERRAND_TIMEOUT_MS));
    for (const worker of workers) worker.postMessage({ epochT0 } satisfies GoMessage);
    const done = await Promise.all(results);
    return {
      mode: 'parallel',
      how: 'one worker thread per errand',
      total: epochNow() - epochT0,
      results: done,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Runs the three modes through a delay proxy that lives in a thread of its own. */
export async function runErrandsLab(options: LabOptions): Promise<ModeRun[]> {
  const target = new URL(options.databaseUrl);
  const proxy = startTsWorker(new URL('./proxy-worker.ts', import.meta.url), {
    targetHost: target.hostname,
    targetPort: Number(target.port || 5432),
    rttMs: options.rttMs,
  });
  try {
    const { port } = await nextMessage<{ port: number }>(proxy, READY_TIMEOUT_MS);
    const connectionString = throughProxy(options.databaseUrl, port);
    return [
      await runOnEventLoop(connectionString, options.stuckIterations, false),
      await runOnEventLoop(connectionString, options.stuckIterations, true),
      await runInWorkers(connectionString, options.stuckIterations),
    ];
  } finally {
    proxy.postMessage('close');
    await Promise.race([
      new Promise((resolve) => proxy.once('exit', resolve)),
      new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
    ]);
    await proxy.terminate();
  }
}

export type Check = Readonly<{ pass: boolean; text: string }>;

const ms = (value: number): string => `${value.toFixed(0)} ms`;

/**
 * The shape the lecture predicts, from the runs' own figures:
 * (b) beats (a) on the I/O errands: their waits overlap, so what (b) spends beyond the stuck errand is at
 *     most half of what (a) spends on them;
 * (b) the stuck errand delays the others: every I/O errand finishes after it, at least half the stuck
 *     time later than it takes alone;
 * (c) it does not: every I/O errand finishes before it, less than half the stuck time later than alone
 *     (the same line as in (b): whatever lateness remains is the machine's other load, not the stuck errand).
 */
export function checkShape(runs: readonly ModeRun[]): Check[] {
  const byMode = (mode: ModeRun['mode']) => {
    const run = runs.find((r) => r.mode === mode);
    if (run === undefined) throw new Error(`no ${mode} run`);
    const stuck = run.results.find((r) => r.errand.kind === 'cpu')!;
    return { run, stuck, io: run.results.filter((r) => r.errand.kind === 'io') };
  };
  const serial = byMode('serial');
  const concurrent = byMode('concurrent');
  const parallel = byMode('parallel');
  const alone = new Map(serial.io.map((r) => [r.errand.name, r.end - r.start]));
  const lateness = (r: ErrandResult) => r.end - alone.get(r.errand.name)!;
  const ioTime = (m: typeof serial) => m.run.total - (m.stuck.end - m.stuck.start);

  const overlapPass = concurrent.run.total < serial.run.total && ioTime(concurrent) <= ioTime(serial) / 2;
  const stuckB = concurrent.stuck.end - concurrent.stuck.start;
  const lateB = Math.min(...concurrent.io.map(lateness));
  const delayedPass = concurrent.io.every((r) => r.end >= concurrent.stuck.end) && lateB >= stuckB / 2;
  const stuckC = parallel.stuck.end - parallel.stuck.start;
  const lateC = Math.max(...parallel.io.map(lateness));
  const freePass = parallel.io.every((r) => r.end < parallel.stuck.end) && lateC < stuckC / 2;

  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  return [
    {
      pass: overlapPass,
      text:
        `${verdict(overlapPass)} (b) beats (a) on the I/O errands: ${ms(concurrent.run.total)} vs ${ms(serial.run.total)} ` +
        `in total; beyond the stuck errand, ${ms(ioTime(concurrent))} vs ${ms(ioTime(serial))} of I/O (target ≤ half)`,
    },
    {
      pass: delayedPass,
      text:
        `${verdict(delayedPass)} (b) the stuck errand delays the others: every I/O errand finished after it ` +
        `(+${ms(concurrent.stuck.end)}), at least ${ms(lateB)} later than alone (target ≥ half the ${ms(stuckB)} stuck)`,
    },
    {
      pass: freePass,
      text:
        `${verdict(freePass)} (c) the stuck errand delays no one: every I/O errand finished before it ` +
        `(+${ms(parallel.stuck.end)}), at most ${ms(lateC)} later than alone (target < half the ${ms(stuckC)} stuck)`,
    },
  ];
}

/** One row per mode: total, then when each errand finished (ms from the mode's start). */
export function errandsTable(runs: readonly ModeRun[]): string {
  const header = ['mode', 'how', 'total ms', ...ERRANDS.map((errand) => `${errand.name} done ms`)];
  const rows = runs.map((run) => [
    run.mode,
    run.how,
    run.total.toFixed(1),
    ...ERRANDS.map((errand) => run.results.find((r) => r.errand.name === errand.name)!.end.toFixed(1)),
  ]);
  return textTable(header, rows, 2);
}
