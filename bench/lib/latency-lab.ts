// The latency lab: Gather on PostgreSQL through the delaying proxy (a real network delay on every round
// trip), reading an article and its comments two ways. Serial: await the article, then await the comments
// (what a sync framework does). Concurrent: GET /api/articles/:slug?include=comments, whose handler awaits
// both reads together (Promise.all). Each run is traced by the per-request recorder, so the diagrams come
// from the same spans the timings do.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bootGather, type Gather, openData } from '../../src/boot.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createQueries } from '../../src/features/queries.ts';
import type { RequestTrace } from '../../src/tracing/recorder.ts';
import { TraceStore } from '../../src/tracing/trace-store.ts';
import { concurrentArticleUrl, traceSerialArticleWithComments } from '../../tools/harness/article-flows.ts';
import { startDelayProxy } from '../../tools/harness/delay-proxy.ts';
import { scratchDatabase } from '../../tools/harness/scratch-database.ts';
import { median } from '../../tools/harness/stats.ts';
import { databaseRoundTrip, type Rung } from './latency-ladder.ts';

export type LabOptions = Readonly<{
  /** PostgreSQL server; the lab creates its own database there and drops it afterwards. */
  databaseUrl: string;
  rttMs: number;
  runs: number;
  /** Round trips per database rung of the ladder. */
  ladderSamples: number;
}>;

export type FlowResult = Readonly<{
  name: string;
  /** Milliseconds per run, from the trace: start of the flow (request arrival) to its end (response sent). */
  ms: number[];
  /** The trace of the run closest to the median (the one drawn). */
  trace: RequestTrace;
}>;

export type LabResult = Readonly<{
  serial: FlowResult;
  concurrent: FlowResult;
  /** Database round trips: direct, and through the proxy. */
  databaseRungs: Rung[];
  comments: number;
}>;

const COMMENTS = 10;

/** Gather on `databaseUrl`, tracing on (the flows are timed and drawn from their traces). */
function labConfig(databaseUrl: string): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATHER_TRACE: '1',
    DATABASE_URL: databaseUrl,
    // No folder of its own: a JWT secret for this process only.
    GATHER_DATA_DIR: 'memory://',
  });
}

/** A database of the lab's own on the server of `adminUrl`, dropped when `fn` is done. */
async function withScratchDatabase<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const scratch = await scratchDatabase(adminUrl, 'gather_latency');
  try {
    return await fn(scratch.url);
  } finally {
    await scratch.drop();
  }
}

async function inject(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  token?: string,
  body?: object,
) {
  const response = await app.inject({
    method,
    url,
    ...(token !== undefined && { headers: { authorization: `Token ${token}` } }),
    ...(body !== undefined && { payload: body }),
  });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response;
}

/** One author, one article, COMMENTS comments on it; returns the article's slug. */
async function seed(app: FastifyInstance): Promise<string> {
  const name = `lab_${randomBytes(3).toString('hex')}`;
  const user = { username: name, email: `${name}@example.com`, password: 'latency-lab-password' };
  const token = (await inject(app, 'POST', '/api/users', undefined, { user })).json<{
    user: { token: string };
  }>().user.token;
  const article = { title: 'Latency lab', description: 'The article', body: 'Read with its comments.' };
  const { slug } = (await inject(app, 'POST', '/api/articles', token, { article })).json<{
    article: { slug: string };
  }>().article;
  for (let i = 1; i <= COMMENTS; i += 1) {
    await inject(app, 'POST', `/api/articles/${slug}/comments`, token, { comment: { body: `Comment ${i}` } });
  }
  return slug;
}

function nearestMedian(name: string, runs: { ms: number; trace: RequestTrace }[]): FlowResult {
  const ms = runs.map((r) => r.ms);
  const mid = median(ms);
  const drawn = runs.reduce((best, r) => (Math.abs(r.ms - mid) < Math.abs(best.ms - mid) ? r : best));
  return { name, ms, trace: drawn.trace };
}

export async function latencyLab(options: LabOptions): Promise<LabResult> {
  return withScratchDatabase(options.databaseUrl, async (directUrl) => {
    // Migrated directly, not through the proxy, where each migration's round trips would pay the delay.
    const direct = await openData({
      config: labConfig(directUrl),
      migrations: 'apply',
      holder: 'gather bench latency',
      poolMax: 1,
    });
    await direct.close();

    const target = new URL(directUrl);
    const proxy = await startDelayProxy({
      targetHost: target.hostname,
      targetPort: Number(target.port || 5432),
      rttMs: options.rttMs,
    });
    const proxiedUrl = new URL(directUrl);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxy.port);

    let gather: Gather | undefined;
    try {
      const store = new TraceStore(options.runs + 50);
      gather = await bootGather({
        config: labConfig(proxiedUrl.toString()),
        migrations: 'untouched', // migrated above
        holder: 'gather bench latency',
        poolMax: 4,
        traces: store,
      });
      const served = gather.app;
      const slug = await seed(served);
      const queries = createQueries(gather.database.db);
      const concurrentUrl = concurrentArticleUrl(slug);

      // Serial: the same two reads, the second awaited only after the first answered, in a trace of its own.
      const serialRun = async () => {
        const trace = await traceSerialArticleWithComments(queries, slug);
        return { ms: trace.end - trace.start, trace };
      };
      // Timed like the serial flow, by its trace: from the request's arrival in Gather to the response sent
      // (the in-process client's own cost of building and parsing the request is not Gather's latency).
      const concurrentRun = async () => {
        const response = await inject(served, 'GET', concurrentUrl);
        const trace = store.get(String(response.headers['x-trace-id']));
        if (trace === undefined) throw new Error(`${concurrentUrl} was not traced`);
        return { ms: trace.end - trace.start, trace };
      };

      // Warm-up: the pool opens its connections (each a handful of round trips) and prepares the statements.
      for (let i = 0; i < 3; i += 1) {
        await concurrentRun();
        await serialRun();
      }
      const serial: { ms: number; trace: RequestTrace }[] = [];
      const concurrent: { ms: number; trace: RequestTrace }[] = [];
      // Interleaved, so that a noisy moment on the machine hits both flows alike.
      for (let i = 0; i < options.runs; i += 1) {
        serial.push(await serialRun());
        concurrent.push(await concurrentRun());
      }

      const databaseRungs = [
        await databaseRoundTrip('database round trip (select 1, loopback)', directUrl, options.ladderSamples),
        await databaseRoundTrip(
          `database round trip through the proxy (+${options.rttMs} ms RTT)`,
          proxiedUrl.toString(),
          Math.min(options.ladderSamples, 20),
        ),
      ];
      return {
        serial: nearestMedian('serial: await article; await comments', serial),
        concurrent: nearestMedian('concurrent: GET ?include=comments (Promise.all)', concurrent),
        databaseRungs,
        comments: COMMENTS,
      };
    } finally {
      await gather?.close();
      await proxy.close();
    }
  });
}
