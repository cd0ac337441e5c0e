// `gather bench tracing`: what per-request tracing costs. Two in-process Gathers on one embedded database, one
// with tracing on and one with it off, answer the same read (an article's comments: two concurrent round
// trips) through app.inject, request by request in turn so that both see the same machine load; each
// request's wall and CPU time is a sample, and the medians are compared.
// Then what the recorder costs a round trip outside any trace: one lookup (the untraced Gather here pays it;
// a production process with tracing off does not even call the recorder, its database is not instrumented).
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { assembleApp, openData } from '../src/boot.ts';
import { loadConfig } from '../src/config.ts';
import { recordSpan } from '../src/tracing/recorder.ts';
import { TraceStore } from '../src/tracing/trace-store.ts';
import { median, percentile } from '../tools/harness/stats.ts';

/** Tracing on: at most this fraction more CPU per request (median) than tracing off. */
const TARGET_ON_OVERHEAD = 0.1;
/** Tracing off: at most this many nanoseconds of recorder per database round trip. */
const TARGET_OFF_NS = 200;

export type TracingOptions = Readonly<{
  requests: number;
  /** Checks TARGET_ON_OVERHEAD (not in --quick: 600 requests on a loaded CI machine land either side of it). */
  checkOverhead: boolean;
}>;

/** A difference with its sign: +12 or −3 (a negative one is measurement noise). */
const signed = (value: number, digits = 0): string =>
  `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
const percent = (fraction: number): string => `${signed(fraction * 100, 1)}%`;

async function post(app: FastifyInstance, url: string, payload: object, token?: string) {
  const response = await app.inject({
    method: 'POST',
    url,
    payload,
    headers: token === undefined ? {} : { authorization: `Token ${token}` },
  });
  if (response.statusCode >= 300) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

/** An article with three comments; returns the URL every round reads. */
async function fixture(app: FastifyInstance): Promise<string> {
  const user = { username: 'bencher', email: 'bencher@example.com', password: 'password123' };
  const { token } = (await post(app, '/api/users', { user })).user;
  const article = { title: 'Tracing overhead', description: 'measured', body: 'text' };
  const { slug } = (await post(app, '/api/articles', { article }, token)).article;
  for (const body of ['one', 'two', 'three']) {
    await post(app, `/api/articles/${slug}/comments`, { comment: { body } }, token);
  }
  return `/api/articles/${slug}/comments`;
}

type Setting = 'on' | 'off';
type Samples = { wallUs: number[]; cpuUs: number[] };

/**
 * `requests` pairs of the same request, one to each Gather, their order swapped every pair so that both
 * settings see the same machine from moment to moment; the wall and CPU (this process, user + system)
 * microseconds of every request.
 */
async function measure(
  apps: Record<Setting, FastifyInstance>,
  url: string,
  requests: number,
): Promise<Record<Setting, Samples>> {
  const samples = { on: { wallUs: [], cpuUs: [] }, off: { wallUs: [], cpuUs: [] } } as Record<
    Setting,
    Samples
  >;
  for (let i = 0; i < requests; i += 1) {
    for (const setting of i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const response = await apps[setting].inject({ method: 'GET', url });
      samples[setting].wallUs.push((performance.now() - started) * 1000);
      const used = process.cpuUsage(cpu);
      samples[setting].cpuUs.push(used.user + used.system);
      if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
    }
  }
  return samples;
}

/** Nanoseconds the recorder adds to one call when no trace is active (median of several batches). */
async function recorderCostOffNs(): Promise<{ direct: number; recorded: number }> {
  const resolved = Promise.resolve(1);
  const call = () => resolved;
  const calls = 200_000;
  const batch = async (recorded: boolean) => {
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) {
      await (recorded ? recordSpan('query', 'select 1', 'Database', call) : call());
    }
    return ((performance.now() - started) * 1e6) / calls;
  };
  const direct: number[] = [];
  const recorded: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    direct.push(await batch(false));
    recorded.push(await batch(true));
  }
  return { direct: median(direct), recorded: median(recorded) };
}

export async function run({ requests, checkOverhead }: TracingOptions): Promise<number> {
  // First, before any request has entered a trace: AsyncLocalStorage never entered, so this is the recorder's
  // whole cost for a round trip outside any trace.
  const recorder = await recorderCostOffNs();
  const offCostNs = recorder.recorded - recorder.direct;

  const configWith = (trace: '0' | '1') =>
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GATHER_TRACE: trace,
      GATHER_METRICS: '0',
      GATHER_DATA_DIR: 'memory://',
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    });
  const traced = configWith('1');
  // One database, opened with tracing on so that the traced app records its round trips: the other app's
  // round trips pass through the recorder too, each paying the one lookup measured above.
  const database = await openData({
    config: traced,
    migrations: 'apply',
    holder: 'gather bench tracing',
    poolMax: 1,
  });
  const on = await assembleApp(traced, database, new TraceStore());
  const off = await assembleApp(configWith('0'), database, new TraceStore());
  try {
    const url = await fixture(on);
    const apps = { on, off };
    await measure(apps, url, Math.ceil(requests / 5)); // warm-up: JIT, prepared statements, caches
    const samples = await measure(apps, url, requests);
    const row = (setting: Setting) => ({
      wall: median(samples[setting].wallUs),
      wallP90: percentile(samples[setting].wallUs, 90),
      cpu: median(samples[setting].cpuUs),
      cpuP90: percentile(samples[setting].cpuUs, 90),
    });
    const offRow = row('off');
    const onRow = row('on');
    // CPU time decides: it is what tracing adds, and other processes on the machine inflate it less.
    const overhead = (onRow.cpu - offRow.cpu) / offRow.cpu;
    const cell = (value: number) => value.toFixed(1).padStart(9);
    const line = (name: string, r: typeof onRow) =>
      `${name.padEnd(9)} ${cell(r.wall)} ${cell(r.wallP90)}   ${cell(r.cpu)} ${cell(r.cpuP90)}`;

    console.log(
      `gather bench tracing: GET ${url} (2 round trips), ${requests} requests to each Gather, PGlite in memory`,
    );
    console.log('');
    console.log('µs/request    wall p50  wall p90      CPU p50   CPU p90');
    console.log(line('off', offRow));
    console.log(line('on', onRow));
    console.log(
      `${'on − off'.padEnd(9)} ${cell(onRow.wall - offRow.wall)} ${cell(onRow.wallP90 - offRow.wallP90)}   ` +
        `${cell(onRow.cpu - offRow.cpu)} ${cell(onRow.cpuP90 - offRow.cpuP90)}   (CPU p50 ${percent(overhead)})`,
    );
    console.log('');
    console.log(
      `recorder with tracing off: ${recorder.recorded.toFixed(0)} ns per awaited round trip vs ` +
        `${recorder.direct.toFixed(0)} ns without it (${signed(offCostNs)} ns)`,
    );
    const onPass = overhead <= TARGET_ON_OVERHEAD;
    const offPass = offCostNs <= TARGET_OFF_NS;
    const onLine = `tracing on changes the median CPU per request by ${percent(overhead)} (target ≤ +${TARGET_ON_OVERHEAD * 100}%)`;
    console.log(
      checkOverhead ? `${onPass ? 'PASS' : 'FAIL'} ${onLine}` : `${onLine}: not checked in --quick`,
    );
    console.log(
      `${offPass ? 'PASS' : 'FAIL'} tracing off costs ${signed(offCostNs)} ns per round trip (target ≤ ${TARGET_OFF_NS} ns)`,
    );
    return (onPass || !checkOverhead) && offPass ? 0 : 1;
  } finally {
    await on.close();
    await off.close();
    await database.close();
  }
}
