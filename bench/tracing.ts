// `gather bench tracing`: what per-request tracing costs. Two in-process Gathers on one embedded database, one
// with tracing on and one with it off, answer the same read (an article's comments: two concurrent round
// trips) through app.inject, in alternating rounds so that both see the same machine load; medians compared.
// Then the cost tracing leaves behind when it is off: the recorder's one lookup per database round trip.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { loadMigrations } from '../src/migrations/files.ts';
import { upgrade } from '../src/migrations/runner.ts';
import { recordSpan } from '../src/tracing/recorder.ts';
import { TraceStore } from '../src/tracing/trace-store.ts';

/** Tracing on: at most this fraction more time per request than tracing off. */
const TARGET_ON_OVERHEAD = 0.1;
/** Tracing off: at most this many nanoseconds of recorder per database round trip. */
const TARGET_OFF_NS = 200;

const HELP = `Usage: gather bench tracing [--quick] [--rounds R] [--requests N]

Runs GET /api/articles/:slug/comments N times per round on two in-process Gathers sharing one in-memory
PGlite database, tracing on and tracing off, R rounds each, alternating; prints the median microseconds per
request of each and the difference. Then times the recorder's call when no trace is active.
PASS when tracing on costs at most ${TARGET_ON_OVERHEAD * 100}% more CPU per request, and with tracing off the recorder
costs at most ${TARGET_OFF_NS} ns per database round trip.
  --rounds R    rounds per setting (default 15; --quick: 5)
  --requests N  requests per round (default 400; --quick: 100)`;

/** A difference with its sign: +12 or −3 (a negative one is measurement noise). */
const signed = (value: number, digits = 0): string =>
  `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
const percent = (fraction: number): string => `${signed(fraction * 100, 1)}%`;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

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

type Round = { wallUs: number; cpuUs: number };

/** Wall and CPU (this process, user + system) microseconds per request over `requests` sequential requests. */
async function round(app: FastifyInstance, url: string, requests: number): Promise<Round> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < requests; i += 1) {
    const response = await app.inject({ method: 'GET', url });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
  }
  const wallUs = ((performance.now() - started) * 1000) / requests;
  const used = process.cpuUsage(cpu);
  return { wallUs, cpuUs: (used.user + used.system) / requests };
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

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      requests: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rounds = Number(values.rounds ?? (values.quick ? 5 : 15));
  const requests = Number(values.requests ?? (values.quick ? 100 : 400));
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(requests) || requests < 1) {
    console.error('gather bench tracing: --rounds and --requests must be positive integers');
    return 2;
  }

  // First, before any request has entered a trace: with tracing off, AsyncLocalStorage is never entered, so
  // this is the recorder's whole cost in a production process.
  const recorder = await recorderCostOffNs();
  const offCostNs = recorder.recorded - recorder.direct;

  const database = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', poolMax: 1 });
  const appWith = async (trace: '0' | '1') =>
    buildApp({
      config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATHER_TRACE: trace, GATHER_METRICS: '0' }),
      database,
      jwtSecret: 'bench-secret-bench-secret-bench-secret-0123',
      traces: new TraceStore(),
    });
  const on = await appWith('1');
  const off = await appWith('0');
  try {
    await upgrade(database, await loadMigrations());
    const url = await fixture(on);
    await round(on, url, requests); // warm-up: JIT, prepared statements, caches
    await round(off, url, requests);
    const perSetting = { on: [] as Round[], off: [] as Round[] };
    for (let i = 0; i < rounds; i += 1) {
      perSetting.off.push(await round(off, url, requests));
      perSetting.on.push(await round(on, url, requests));
    }
    const row = (setting: 'on' | 'off') => ({
      wall: median(perSetting[setting].map((r) => r.wallUs)),
      cpu: median(perSetting[setting].map((r) => r.cpuUs)),
    });
    const offRow = row('off');
    const onRow = row('on');
    // CPU time, not wall time, decides: it is what tracing adds, and other processes on the machine do not
    // inflate it.
    const overhead = (onRow.cpu - offRow.cpu) / offRow.cpu;
    const cell = (value: number) => value.toFixed(1).padStart(12);

    console.log(
      `gather bench tracing: GET ${url} (2 round trips), ${rounds} rounds × ${requests} requests, PGlite in memory`,
    );
    console.log('');
    console.log('tracing    median µs/request   median CPU µs/request');
    console.log(`off       ${cell(offRow.wall)}        ${cell(offRow.cpu)}`);
    console.log(`on        ${cell(onRow.wall)}        ${cell(onRow.cpu)}`);
    console.log(
      `on − off  ${cell(onRow.wall - offRow.wall)}        ${cell(onRow.cpu - offRow.cpu)}   (CPU ${percent(overhead)})`,
    );
    console.log('');
    console.log(
      `recorder with tracing off: ${recorder.recorded.toFixed(0)} ns per awaited round trip vs ` +
        `${recorder.direct.toFixed(0)} ns without it (${signed(offCostNs)} ns)`,
    );
    const onPass = overhead <= TARGET_ON_OVERHEAD;
    const offPass = offCostNs <= TARGET_OFF_NS;
    console.log(
      `${onPass ? 'PASS' : 'FAIL'} tracing on changes CPU per request by ${percent(overhead)} (target ≤ +${TARGET_ON_OVERHEAD * 100}%)`,
    );
    console.log(
      `${offPass ? 'PASS' : 'FAIL'} tracing off costs ${signed(offCostNs)} ns per round trip (target ≤ ${TARGET_OFF_NS} ns)`,
    );
    return onPass && offPass ? 0 : 1;
  } finally {
    await on.close();
    await off.close();
    await database.close();
  }
}
