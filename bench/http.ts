// `gather bench http` (`npm run bench`): seeds a realistic dataset, counts each case's database round trips
// from the query recorder, then loads Gather (started as a user starts it, in production mode) and the
// hand-written floor (bench/floor-server.ts) with autocannon in a process of its own, and prints the table
// with the Gather/floor ratios and the PASS/FAIL lines of the targets (issue 7, docs/performance.md).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openData } from '../src/boot.ts';
import { loadConfig } from '../src/config.ts';
import { groupDigits } from '../src/digits.ts';
import { type SeedSize, SIZES, type SizeName } from '../src/seed/dataset.ts';
import { progressBar } from '../src/seed/progress.ts';
import { type SeedResult, seedDatabase, trimToSeed } from '../src/seed/seed.ts';
import { type LoadResult, runLoad } from '../tools/harness/load.ts';
import {
  buildGather,
  type ServerProcess,
  startGather,
  startServer,
} from '../tools/harness/server-process.ts';
import { median } from '../tools/harness/stats.ts';
import { TYPESCRIPT_NODE_ARGS } from '../tools/harness/typescript.ts';
import type { BenchCase } from './lib/cases.ts';
import { MODES, type Mode, type ModeName } from './lib/http-modes.ts';
import { postgresServerUrl } from './lib/postgres-server.ts';
import {
  type Check,
  checkLines,
  hardChecks,
  markdownTable,
  type ResultRow,
  targetChecks,
} from './lib/report.ts';
import { type TracedCase, tracedPass } from './lib/traced-pass.ts';

const FLOOR_SERVER = new URL('./floor-server.ts', import.meta.url).pathname;
const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;
/** Alternating runs per compared case (odd: the median is one of them); Gather against the floor, five. */
const ROUNDS = 3;
const FLOOR_ROUNDS = 5;
const HOLDER = 'gather bench http';
/** How long a started server is left alone before its idle memory is read. */
const IDLE_SETTLE_MS = 2_000;

export type HttpOptions = Readonly<{
  mode: ModeName;
  /** The embedded database instead of PostgreSQL (no floor). */
  pglite: boolean;
  /** Instead of the mode's: a partial run, whose results files are left as they are. */
  seconds?: number;
  connections?: number[];
  /** Only the cases whose name contains this. */
  case?: string;
}>;

/**
 * The benchmark's own data, a schema on PostgreSQL or a PGlite folder: as the settings that point the
 * in-process Gathers and the servers at it, and for PostgreSQL its URL (the floor's too).
 */
export type BenchData = Readonly<{
  label: string;
  postgresUrl: string | undefined;
  env: Record<string, string>;
}>;

export const benchSchema = (size: SizeName) => `gather_bench_${size}`;

/** `base` with `schema` selected through search_path. */
export function schemaUrl(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** PostgreSQL at `base`: the benchmark's own schema (created if missing), selected through search_path. */
export async function postgresData(size: SizeName, base = postgresServerUrl()): Promise<BenchData> {
  const schema = benchSchema(size);
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await admin.end();
  }
  const url = schemaUrl(base, schema);
  return { label: `PostgreSQL (schema ${schema})`, postgresUrl: url, env: { DATABASE_URL: url } };
}

/** A PGlite folder of its own per size, in the system's temporary folder. */
export function pgliteData(size: SizeName): BenchData {
  const dataDir = join(tmpdir(), `gather-bench-${size}`);
  return {
    label: `PGlite (${dataDir})`,
    postgresUrl: undefined,
    env: { DATABASE_URL: '', GATHER_DATA_DIR: dataDir },
  };
}

/** What seeding did, for the log: "seeded in 12.3 s" or "reused the seeded data in 0.4 s". */
export const seededText = (seeded: SeedResult) =>
  `${seeded.status === 'reused' ? 'reused the seeded data' : 'seeded'} in ${(seeded.ms / 1000).toFixed(1)} s`;

/** Migrates the benchmark's data and seeds it (reused when its row counts match). */
export async function seedData(data: BenchData, size: SeedSize): Promise<SeedResult> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', GATHER_TRACE: '0', ...data.env });
  // The benchmark's own schema or folder: whatever migration is pending, apply it.
  const database = await openData({ config, migrations: 'apply', holder: HOLDER, poolMax: 1 });
  try {
    // Rows the previous run wrote through the API go first, so the seed's row counts match again.
    await trimToSeed(database, config.databaseUrl, size);
    return await seedDatabase(database, config.databaseUrl, { size, replace: true, progress: progressBar() });
  } finally {
    await database.close();
  }
}

type Servers = { gather: ServerProcess & { idleRssMb: number }; floor: ServerProcess | undefined };

const poolMax = () => process.env.DB_POOL_MAX || '10';

/**
 * Gather as a production user starts it: compiled (npm run build, then npm run start:dist), not through tsx,
 * whose loader thread alone holds ~35 MB. Build it first (buildGather).
 */
export async function startBenchGather(
  env: Record<string, string>,
  jwtSecret: string,
): Promise<ServerProcess & { idleRssMb: number }> {
  const gather = await startGather({
    compiled: true,
    env: { NODE_ENV: 'production', JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn', DB_POOL_MAX: poolMax(), ...env },
  });
  // Its resident memory before any load, once the start's own work has settled (the memory targets' "idle").
  await sleep(IDLE_SETTLE_MS);
  const database = env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
  const idleRssMb = gather.rssMb();
  console.log(`  Gather (compiled, ${database}) idle RSS: ${idleRssMb.toFixed(0)} MB`);
  return Object.assign(gather, { idleRssMb });
}

async function startServers(data: BenchData, jwtSecret: string, withFloor: boolean): Promise<Servers> {
  await buildGather();
  const gather = await startBenchGather(data.env, jwtSecret);
  if (!withFloor || data.postgresUrl === undefined) return { gather, floor: undefined };
  try {
    const floor = await startServer({
      script: FLOOR_SERVER,
      nodeArgs: TYPESCRIPT_NODE_ARGS,
      env: { DATABASE_URL: data.postgresUrl, DB_POOL_MAX: poolMax() },
      ready: /floor: listening on/,
    });
    return { gather, floor };
  } catch (error) {
    await gather.stop();
    throw error;
  }
}

/** The figures a row shows: a run's, or the medians of several. */
export type LoadFigures = Omit<LoadResult, 'byStatus'>;

function row(c: BenchCase, connections: number, roundTrips: number, load: LoadFigures): ResultRow {
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
export function medianLoad(runs: LoadResult[]): LoadFigures {
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
 * `rounds` alternating runs of half a case's `seconds` each (a, b, a, b, …), so that a burst of noise from
 * elsewhere on the machine hits every contender: each contender's runs, in the order given.
 */
export async function alternatingRuns<T>(
  seconds: number,
  contenders: readonly ((roundSeconds: number) => Promise<T>)[],
  rounds = ROUNDS,
): Promise<T[][]> {
  const roundSeconds = Math.max(1, Math.ceil(seconds / 2));
  const runs: T[][] = contenders.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, contender] of contenders.entries()) runs[i]!.push(await contender(roundSeconds));
  }
  return runs;
}

/** Gather against the floor, alternating (Gather, floor, Gather, …); the medians are compared. */
async function compareWithFloor(
  gather: ServerProcess,
  floor: ServerProcess,
  t: TracedCase,
  connections: number,
  seconds: number,
  checks: Check[],
): Promise<ResultRow> {
  const [gatherRuns, floorRuns] = await alternatingRuns(
    seconds,
    [(s) => runLoad(gather, t.case, connections, s), (s) => runLoad(floor, t.case, connections, s)],
    FLOOR_ROUNDS,
  );
  const result = row(t.case, connections, t.roundTrips, medianLoad(gatherRuns!));
  const floorResult = medianLoad(floorRuns!);
  result.floor_rps = floorResult.rps;
  result.floor_p99_ms = floorResult.p99Ms;
  result.floor_cpu_us = Math.round(floorResult.cpuUs);
  result.ratio = Math.round((result.rps / floorResult.rps) * 100) / 100;
  if (floorResult.non2xx > 0) {
    checks.push({ pass: false, text: `floor: ${t.case.name}: ${floorResult.non2xx} non-2xx` });
  }
  return result;
}

/**
 * `<name>.md` in bench/results, or `<name>-2.md`, `-3`, … when a run of the same day wrote it already: a second
 * run never replaces a first one that the docs may quote. Its repository path.
 */
async function writeNewResults(name: string, markdown: string): Promise<string> {
  for (let run = 1; ; run++) {
    const file = run === 1 ? `${name}.md` : `${name}-${run}.md`;
    try {
      await writeFile(join(RESULTS_DIR, file), markdown, { flag: 'wx' });
      return `bench/results/${file}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * bench/results/<date><suffix>.md (writeNewResults) and latest<suffix>.json; `flags` (the --quick of a quick
 * run) name the run, `results` is the JSON's content (`{ cases: rows }`).
 */
export async function writeResults(
  flags: readonly string[],
  heading: string,
  table: string,
  checks: Check[],
  results: Readonly<Record<string, readonly object[]>>,
) {
  const date = new Date().toISOString().slice(0, 10);
  const suffix = flags.map((flag) => `-${flag}`).join('');
  await mkdir(RESULTS_DIR, { recursive: true });
  const title = ['gather bench http', ...flags.map((flag) => `--${flag}`)].join(' ');
  const markdown = `# ${title}: ${date}\n\n${heading}\n\n${table}\n\n\`\`\`\n${checkLines(checks)}\n\`\`\`\n`;
  const written = await writeNewResults(`${date}${suffix}`, markdown);
  await writeFile(join(RESULTS_DIR, `latest${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`);
  return [written, `bench/results/latest${suffix}.json`];
}

/** The run's mode with the options' times and connections; a partial run does not replace the results. */
export function benchMode(options: HttpOptions): Mode {
  const base = MODES[options.mode];
  const partial =
    options.case !== undefined || options.connections !== undefined || options.seconds !== undefined;
  return {
    ...base,
    seconds: options.seconds ?? base.seconds,
    connections: options.connections ?? base.connections,
    results: base.results && !partial,
  };
}

/** The settings and the machine, for a table's heading. */
export const machineLine = () =>
  `DB_POOL_MAX=${poolMax()}; Node ${process.version}; ${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown CPU'}; ` +
  'Gather compiled (npm run build).';

export async function run(options: HttpOptions): Promise<number> {
  const mode = benchMode(options);
  const { seconds, connections } = mode;
  const size = SIZES[mode.size];
  const started = performance.now();

  const data = options.pglite ? pgliteData(mode.size) : await postgresData(mode.size);
  console.log(`gather bench http (${mode.name}): ${data.label}, seeding ${mode.size} size`);
  const seeded = await seedData(data, size);
  console.log(`  ${seededText(seeded)}`);

  const jwtSecret = randomBytes(32).toString('hex');
  const pass = await tracedPass(data.env, jwtSecret);
  const traced = pass.cases.filter((t) => t.case.name.includes(options.case ?? ''));
  const checks: Check[] = [];
  const notOk = traced.filter((t) => t.status < 200 || t.status > 299);
  if (notOk.length > 0) {
    checks.push({
      pass: false,
      text: `traced pass: ${notOk.map((t) => `${t.case.name} → ${t.status}`).join(', ')}`,
    });
  }

  const servers = await startServers(data, jwtSecret, mode.floor);
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
  if (mode.floor) checks.push(...targetChecks(rows, servers.gather.idleRssMb));

  const heading =
    `${data.label}, ${groupDigits(size.articles)} articles; ${seconds} s per case; ${machineLine()} ` +
    `p50/p99 as autocannon measures them; rows with a floor: medians of ${FLOOR_ROUNDS} alternating Gather/floor runs, ` +
    'ratio = Gather req/s ÷ floor req/s.';
  const table = markdownTable(rows);
  console.log(`\n${heading}\n\n${table}\n\n${checkLines(checks)}`);
  if (mode.results) {
    const files = await writeResults(mode.name === 'full' ? [] : [mode.name], heading, table, checks, {
      cases: rows,
    });
    console.log(`\nwrote ${files.join(' and ')}`);
  }
  console.log(`gather bench http: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return checks.every((c) => c.pass) ? 0 : 1;
}
