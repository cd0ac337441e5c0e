// `gather bench http` (`npm run bench`): seeds a realistic dataset, counts each case's database round trips
// from the query recorder, then loads Gather (started as a user starts it, in production mode) and the
// hand-written floor (bench/floor-server.ts) with autocannon in a process of its own, and prints the table
// with the Gather/floor ratios and the PASS/FAIL lines of the targets (issue 7, docs/performance.md).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SIZES, type SizeName } from '../src/seed/dataset.ts';
import { progressBar } from '../src/seed/progress.ts';
import { type SeedTarget, seed, trimToSeed } from '../src/seed/seed.ts';
import {
  buildGather,
  type ServerProcess,
  startGather,
  startServer,
} from '../tools/harness/server-process.ts';
import type { BenchCase } from './lib/cases.ts';
import { type LoadResult, runLoad } from './lib/load.ts';
import {
  type Check,
  checkLines,
  hardChecks,
  markdownTable,
  type ResultRow,
  targetChecks,
} from './lib/report.ts';
import { median } from './lib/stats.ts';
import { type TracedCase, tracedPass } from './lib/traced-pass.ts';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const FLOOR_SERVER = new URL('./floor-server.ts', import.meta.url).pathname;
const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
/** Alternating Gather/floor runs per compared case (odd: the median is one of them). */
const ROUNDS = 3;

type Mode = Readonly<{
  name: 'full' | 'quick' | 'smoke';
  size: SizeName;
  seconds: number;
  connections: number[];
  /** Loads the floor too (PostgreSQL only) and checks the performance targets. */
  floor: boolean;
  /** Writes bench/results/<date>.md and the JSON beside it. */
  results: boolean;
}>;

const MODES: Record<Mode['name'], Mode> = {
  full: { name: 'full', size: 'bench', seconds: 4, connections: [1, 16, 64], floor: true, results: true },
  quick: { name: 'quick', size: 'quick', seconds: 3, connections: [1, 16, 64], floor: true, results: true },
  smoke: { name: 'smoke', size: 'demo', seconds: 1, connections: [16], floor: false, results: false },
};

const HELP = `Usage: gather bench http [--quick | --smoke] [--pglite] [--seconds S] [--connections 1,16,64] [--case TEXT]

Seeds a dataset (reused when its row counts match), counts each case's database round trips with the
query recorder, then runs autocannon (its own process) for S seconds per case and connection count
against \`gather serve\` compiled first (\`npm run build\`, then dist/cli/index.js as \`npm run start:dist\` runs it;
NODE_ENV=production). For the article lists and article-by-slug at the highest
connection count, Gather and the hand-written floor alternate (3 runs each of S/2 s; medians compared).
Prints the table, the Gather/floor ratios and PASS/FAIL per target; exits 1 when a target fails.
  (default)      ${SIZES.bench.articles.toLocaleString('en-US')} articles, ${MODES.full.seconds} s per case, 1/16/64 connections; writes bench/results/<date>.md + latest.json
  --quick        a tenth of the rows, ${MODES.quick.seconds} s per case; writes bench/results/<date>-quick.md + latest-quick.json
  --smoke        CI: demo rows, ${MODES.smoke.seconds} s per case at 16 connections, no floor; fails only on non-2xx or on round
                 trips that grow with the page size or exceed 3 per read
  --pglite       the embedded database (in ${join(tmpdir(), 'gather-bench-<size>')}) instead of PostgreSQL; no floor
  --seconds S    time per case and connection count (default: as above)
  --connections  comma-separated connection counts (default 1,16,64; the floor runs at the highest)
  --case TEXT    only the cases whose name contains TEXT
(With --seconds, --connections or --case the results files are left as they are.)
PostgreSQL: DATABASE_URL (default ${DEFAULT_DATABASE_URL}), in a schema of its own (gather_bench_<size>).
Both servers get DB_POOL_MAX connections (default 10).`;

/** PostgreSQL: the benchmark's own schema (created if missing), selected through search_path. */
async function postgresTarget(size: SizeName): Promise<SeedTarget> {
  const base = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const schema = `gather_bench_${size}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { databaseUrl: url.toString(), dataDir: '' };
}

type Servers = { gather: ServerProcess; floor: ServerProcess | undefined };

async function startServers(target: SeedTarget, jwtSecret: string, withFloor: boolean): Promise<Servers> {
  const poolMax = process.env.DB_POOL_MAX || '10';
  const database: Record<string, string> =
    target.databaseUrl === undefined
      ? { DATABASE_URL: '', GATHER_DATA_DIR: target.dataDir }
      : { DATABASE_URL: target.databaseUrl };
  // Started as a production user starts it: compiled (npm run build, then npm run start:dist), not
  // through tsx, whose loader thread alone holds ~35 MB.
  await buildGather();
  const gather = await startGather({
    compiled: true,
    env: {
      NODE_ENV: 'production',
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: 'warn',
      DB_POOL_MAX: poolMax,
      ...database,
    },
  });
  if (!withFloor || target.databaseUrl === undefined) return { gather, floor: undefined };
  try {
    const floor = await startServer({
      script: FLOOR_SERVER,
      nodeArgs: ['--import', 'tsx'],
      env: { DATABASE_URL: target.databaseUrl, DB_POOL_MAX: poolMax },
      ready: /floor: listening on/,
    });
    return { gather, floor };
  } catch (error) {
    await gather.stop();
    throw error;
  }
}

function row(c: BenchCase, connections: number, roundTrips: number, load: LoadResult): ResultRow {
  return {
    name: c.name,
    method: c.method,
    path: c.path,
    connections,
    rps: load.rps,
    p50_ms: load.p50Ms,
    p99_ms: load.p99Ms,
    non2xx: load.non2xx,
    round_trips: roundTrips,
    rss_mb: Math.round(load.rssMb),
    cpu_us: Math.round(load.cpuUs),
    floor_rps: null,
    floor_p99_ms: null,
    floor_cpu_us: null,
    ratio: null,
  };
}

/** Medians of each figure over alternating runs; non-2xx summed, RSS the largest. */
function medianLoad(runs: LoadResult[]): LoadResult {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    rssMb: Math.max(...runs.map((r) => r.rssMb)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
  };
}

/**
 * Gather against the floor: ROUNDS alternating runs of half the case's time each (Gather, floor, Gather, …),
 * so a burst of noise from elsewhere on the machine hits both; the medians are compared.
 */
async function compareWithFloor(
  gather: ServerProcess,
  floor: ServerProcess,
  t: TracedCase,
  connections: number,
  seconds: number,
  checks: Check[],
): Promise<ResultRow> {
  const roundSeconds = Math.max(1, Math.ceil(seconds / 2));
  const gatherRuns: LoadResult[] = [];
  const floorRuns: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    gatherRuns.push(await runLoad(gather, t.case, connections, roundSeconds));
    floorRuns.push(await runLoad(floor, t.case, connections, roundSeconds));
  }
  const result = row(t.case, connections, t.roundTrips, medianLoad(gatherRuns));
  const floorResult = medianLoad(floorRuns);
  result.floor_rps = floorResult.rps;
  result.floor_p99_ms = floorResult.p99Ms;
  result.floor_cpu_us = Math.round(floorResult.cpuUs);
  result.ratio = Math.round((result.rps / floorResult.rps) * 100) / 100;
  if (floorResult.non2xx > 0) {
    checks.push({ pass: false, text: `floor: ${t.case.name}: ${floorResult.non2xx} non-2xx` });
  }
  return result;
}

async function writeResults(mode: Mode, heading: string, table: string, checks: Check[], rows: ResultRow[]) {
  const date = new Date().toISOString().slice(0, 10);
  const suffix = mode.name === 'full' ? '' : `-${mode.name}`;
  await mkdir(RESULTS_DIR, { recursive: true });
  const markdown = `# gather bench http${suffix === '' ? '' : ` --${mode.name}`}: ${date}\n\n${heading}\n\n${table}\n\n\`\`\`\n${checkLines(checks)}\n\`\`\`\n`;
  await writeFile(join(RESULTS_DIR, `${date}${suffix}.md`), markdown);
  await writeFile(join(RESULTS_DIR, `latest${suffix}.json`), `${JSON.stringify({ cases: rows }, null, 2)}\n`);
  return [`bench/results/${date}${suffix}.md`, `bench/results/latest${suffix}.json`];
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      pglite: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      case: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const base = MODES[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'];
  const seconds = values.seconds === undefined ? base.seconds : Number(values.seconds);
  const connections =
    values.connections === undefined ? base.connections : values.connections.split(',').map(Number);
  if (!(seconds >= 1) || connections.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error('gather bench http: --seconds must be ≥ 1 and --connections positive integers (1,16,64)');
    return 2;
  }
  // A partial run (one case, other connections or times) prints its table but does not replace the results.
  const partial =
    values.case !== undefined || values.connections !== undefined || values.seconds !== undefined;
  const mode: Mode = { ...base, seconds, connections, results: base.results && !partial };
  const size = SIZES[mode.size];
  const started = performance.now();

  const target: SeedTarget = values.pglite
    ? { databaseUrl: undefined, dataDir: join(tmpdir(), `gather-bench-${mode.size}`) }
    : await postgresTarget(mode.size);
  const databaseLabel = values.pglite
    ? `PGlite (${target.dataDir})`
    : `PostgreSQL (schema gather_bench_${mode.size})`;
  console.log(`gather bench http (${mode.name}): ${databaseLabel}, seeding ${mode.size} size`);
  // Rows the previous run wrote through the API go first, so the seed's row counts match again.
  await trimToSeed(target, size);
  const seeded = await seed(target, { size, replace: true, progress: progressBar() });
  console.log(
    `  ${seeded.status === 'reused' ? 'reused the seeded data' : 'seeded'} in ${(seeded.ms / 1000).toFixed(1)} s`,
  );

  const jwtSecret = randomBytes(32).toString('hex');
  const pass = await tracedPass(target, jwtSecret);
  const traced = pass.cases.filter((t) => values.case === undefined || t.case.name.includes(values.case));
  const checks: Check[] = [];
  const notOk = traced.filter((t) => t.status < 200 || t.status > 299);
  if (notOk.length > 0) {
    checks.push({
      pass: false,
      text: `traced pass: ${notOk.map((t) => `${t.case.name} → ${t.status}`).join(', ')}`,
    });
  }

  const servers = await startServers(target, jwtSecret, mode.floor);
  const rows: ResultRow[] = [];
  const top = Math.max(...connections);
  try {
    // Warm-up (JIT, prepared statements, pools), not measured.
    const warmUp = traced[0]?.case;
    if (warmUp !== undefined) {
      await runLoad(servers.gather, warmUp, 16, 1);
      if (servers.floor !== undefined) await runLoad(servers.floor, warmUp, 16, 1);
    }
    for (const t of traced) {
      for (const n of connections) {
        const compare = servers.floor !== undefined && t.case.floor && n === top;
        const result = compare
          ? await compareWithFloor(servers.gather, servers.floor!, t, n, seconds, checks)
          : row(t.case, n, t.roundTrips, await runLoad(servers.gather, t.case, n, seconds));
        rows.push(result);
        process.stderr.write(`  ${t.case.name} @${n}: ${result.rps.toFixed(0)} req/s\n`);
      }
    }
  } finally {
    await servers.gather.stop();
    await servers.floor?.stop();
  }

  checks.push(
    ...hardChecks(
      rows,
      traced.map((t) => ({
        name: t.case.name,
        write: t.case.write,
        roundTrips: t.roundTrips,
        small: t.pageSizeProbe?.small,
        large: t.pageSizeProbe?.large,
      })),
    ),
  );
  if (mode.floor) checks.push(...targetChecks(rows));

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const heading =
    `${databaseLabel}, ${size.articles.toLocaleString('en-US')} articles; ${seconds} s per case; ` +
    `DB_POOL_MAX=${process.env.DB_POOL_MAX || '10'}; Node ${process.version}; ${availableParallelism()} × ${cpu}; ` +
    'Gather compiled (npm run build). ' +
    'p50/p99 as autocannon measures them; rows with a floor: medians of 3 alternating Gather/floor runs, ' +
    'ratio = Gather req/s ÷ floor req/s.';
  const table = markdownTable(rows);
  console.log(`\n${heading}\n\n${table}\n\n${checkLines(checks)}`);
  if (mode.results) {
    const files = await writeResults(mode, heading, table, checks, rows);
    console.log(`\nwrote ${files.join(' and ')}`);
  }
  console.log(`gather bench http: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return checks.every((c) => c.pass) ? 0 : 1;
}
