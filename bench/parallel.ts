// `gather bench parallel`: the lecture's "parallel vs concurrent" with real work. Part 1, the errands lab:
// three I/O errands (database round trips through the delay proxy) and one errand stuck in a CPU loop, run
// serially, concurrently (Promise.all on one event loop) and in parallel (worker threads); the finish times,
// a diagram per mode and PASS/FAIL lines for the predicted shape. Part 2: the article list under HTTP load
// with `gather serve --workers 1` and `--workers 2` on PostgreSQL, and the throughput ratio.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { groupDigits } from '../src/digits.ts';
import { type LoadResult, runLoad } from '../tools/harness/load.ts';
import { scratchDatabase } from '../tools/harness/scratch-database.ts';
import { type ServerProcess, startGather } from '../tools/harness/server-process.ts';
import { median } from '../tools/harness/stats.ts';
import type { BenchCase } from './lib/cases.ts';
import { renderErrandsDiagram } from './lib/errands-diagram.ts';
import { checkShape, errandsTable, runErrandsLab } from './lib/errands-lab.ts';
import { postgresServerUrl } from './lib/postgres-server.ts';
import { textTable } from './lib/table.ts';

const ARTICLES = 60;

export type ParallelOptions = Readonly<{
  /** Round-trip time the delay proxy adds to each database round trip, in ms. */
  rttMs: number;
  /** Iterations of the stuck errand's CPU loop. */
  stuckIterations: number;
  /** Length of one HTTP load run. */
  seconds: number;
  /** HTTP runs per worker count. */
  rounds: number;
  connections: number;
  /** Part 2, `--workers 1` vs `2` under HTTP load (false: the errands lab only). */
  http: boolean;
}>;

/** One worker count's load rounds, and the requests each of its processes answered in them. */
type HttpRun = { workers: number; loads: LoadResult[]; answeredBy: Map<string, number> };

const LIST: BenchCase = {
  name: 'list articles',
  method: 'GET',
  path: '/api/articles?limit=20',
  floor: false,
  write: false,
};

async function postJson(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Token ${token}` }) },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A user and ARTICLES tagged articles, written through the API. */
async function fillThroughApi(base: string): Promise<void> {
  const user = { username: 'errands', email: 'errands@example.com', password: 'correct horse battery' };
  const { user: registered } = (await postJson(`${base}/api/users`, { user })) as { user: { token: string } };
  for (let i = 0; i < ARTICLES; i++) {
    const article = {
      title: `Errand ${i}`,
      description: 'Written for the parallel bench',
      body: 'Bank, chicken shop, mart.',
      tagList: [`tag${i % 7}`, 'errands'],
    };
    await postJson(`${base}/api/articles`, { article }, registered.token);
  }
}

/** Requests answered so far by each process (pid → count), from /metrics (gathered across workers). */
async function requestsByProcess(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const lines = text.matchAll(/^gather_process_requests_total\{pid="(\d+)".*\} (\d+)$/gm);
  return new Map([...lines].map(([, pid, count]) => [pid!, Number(count)]));
}

/** One server per worker count, both up at once; runs alternate between them so noise hits both alike. */
async function runHttp(
  databaseUrl: string,
  rounds: number,
  seconds: number,
  connections: number,
): Promise<HttpRun[]> {
  const database = await scratchDatabase(databaseUrl, 'gather_bench_parallel');
  const env = {
    DATABASE_URL: database.url,
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    GATHER_TRACE: '0',
    LOG_LEVEL: 'warn',
  };
  const servers: { workers: number; server: ServerProcess }[] = [];
  try {
    for (const workers of [1, 2]) {
      servers.push({ workers, server: await startGather({ args: ['--migrate'], workers, env }) });
    }
    await fillThroughApi(servers[0]!.server.url);
    // Warm-up: connections opened, plans cached, and every worker up.
    for (const { server } of servers) await runLoad(server, LIST, connections, 1);
    const runs = servers.map(({ workers }): HttpRun => ({ workers, loads: [], answeredBy: new Map() }));
    for (let round = 0; round < rounds; round++) {
      // Which server goes first alternates too (1 2, 2 1, 1 2 …): measured here, going first in a round
      // was worth more than the second process.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const { server } = servers[i]!;
        const before = await requestsByProcess(server.url);
        runs[i]!.loads.push(await runLoad(server, LIST, connections, seconds));
        const after = await requestsByProcess(server.url);
        const answered = runs[i]!.answeredBy;
        for (const [pid, count] of after) {
          answered.set(pid, (answered.get(pid) ?? 0) + count - (before.get(pid) ?? 0));
        }
      }
    }
    return runs;
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
    await database.drop();
  }
}

export async function run(options: ParallelOptions): Promise<number> {
  const { rttMs, stuckIterations, seconds, rounds, connections } = options;
  const databaseUrl = postgresServerUrl();

  console.log(
    `errands lab: 3 I/O errands (database round trips, +${rttMs} ms RTT each through the delay proxy) and ` +
      `1 stuck errand (a CPU loop of ${groupDigits(stuckIterations)} iterations); ` +
      `finish times in ms from each mode's start`,
  );
  const runs = await runErrandsLab({ databaseUrl, rttMs, stuckIterations });
  console.log(errandsTable(runs));
  for (const labRun of runs) {
    console.log(`\n${labRun.mode} (${labRun.how}):\n\`\`\`mermaid\n${renderErrandsDiagram(labRun)}\`\`\``);
  }
  const checks = checkShape(runs);
  console.log('');
  for (const check of checks) console.log(check.text);
  let pass = checks.every((check) => check.pass);

  if (options.http) {
    console.log(
      `\nHTTP: GET ${LIST.path}, ${connections} connections, ${rounds} × ${seconds} s per worker count ` +
        `(alternating, and which goes first too), PostgreSQL, ${availableParallelism()} CPU cores shared with autocannon and PostgreSQL; medians`,
    );
    const http = await runHttp(databaseUrl, rounds, seconds, connections);
    const errors = (run: HttpRun) => run.loads.reduce((sum, load) => sum + load.non2xx, 0);
    const perWorker = (run: HttpRun) => [...run.answeredBy.values()].join(' + ');
    console.log(
      textTable(
        ['workers', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'req/s per round', 'requests per worker'],
        http.map((run) => [
          String(run.workers),
          median(run.loads.map((load) => load.rps)).toFixed(0),
          median(run.loads.map((load) => load.p50Ms)).toFixed(1),
          median(run.loads.map((load) => load.p99Ms)).toFixed(1),
          String(errors(run)),
          run.loads.map((load) => load.rps.toFixed(0)).join(' / '),
          perWorker(run),
        ]),
      ),
    );
    const [one, two] = http as [HttpRun, HttpRun];
    const rps = (run: HttpRun) => median(run.loads.map((load) => load.rps));
    console.log(`throughput ratio --workers 2 / --workers 1 = ${(rps(two) / rps(one)).toFixed(2)} (medians)`);
    const served =
      two.answeredBy.size === 2 &&
      [...two.answeredBy.values()].every((count) => count > 0) &&
      errors(one) + errors(two) === 0;
    console.log(
      `${served ? 'PASS' : 'FAIL'} --workers 2: both workers answered (${perWorker(two)} requests), ` +
        `no errors (${errors(one) + errors(two)})`,
    );
    pass &&= served;
  }
  return pass ? 0 : 1;
}
