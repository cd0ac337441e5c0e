// `npm run bench -- --replica`: the list and article reads of `gather bench http`, Gather on a primary alone
// against Gather reading from a streaming replica too (issue 13). A private primary and replica (no apply
// delay) are made for the run (tools/harness/private-postgres.ts); the bench dataset is seeded on the primary
// and the replica follows by streaming. Two Gathers, one without DATABASE_REPLICA_URLS and one with it, take
// the load in turn (alternating runs, medians); per run, Gather's /metrics counts the read round trips each
// server served and /proc the CPU time of Gather and of each PostgreSQL server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { groupDigits } from '../src/digits.ts';
import { SIZES } from '../src/seed/dataset.ts';
import { PRIMARY, readsByServer, replicaName } from '../tools/harness/db-queries.ts';
import { type LoadResult, runLoad } from '../tools/harness/load.ts';
import {
  createPrivatePostgres,
  type PrivatePostgres,
  postgresBinaries,
} from '../tools/harness/private-postgres.ts';
import { buildGather, type ServerProcess } from '../tools/harness/server-process.ts';
import { median } from '../tools/harness/stats.ts';
import {
  alternatingRuns,
  benchMode,
  benchSchema,
  type HttpOptions,
  machineLine,
  medianLoad,
  postgresData,
  schemaUrl,
  seedData,
  startBenchGather,
  writeResults,
} from './http.ts';
import { checkLines, type ReplicaRow, replicaChecks, replicaTable } from './lib/report.ts';
import { type TracedCase, tracedPass } from './lib/traced-pass.ts';

/** The read cases compared: an article list and an article. */
const CASES = ['list articles', 'article'];
const REPLICA = replicaName(1);
const REPLAY_WAIT_MS = 600_000;

/** Waits until the replica has replayed everything the primary had written when it was called. */
async function replayed(primary: PrivatePostgres, replica: PrivatePostgres): Promise<number> {
  const started = performance.now();
  const query = async (url: string, sql: string, values: string[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ value: string | boolean }>(sql, values)).rows[0]!.value;
    } finally {
      await client.end();
    }
  };
  const target = String(await query(primary.url, 'select pg_current_wal_lsn()::text as value'));
  const caughtUp = 'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as value';
  while ((await query(replica.url, caughtUp, [target])) !== true) {
    if (performance.now() - started > REPLAY_WAIT_MS) {
      throw new Error(`the replica had not replayed ${target} after ${REPLAY_WAIT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - started;
}

type Setup = Readonly<{ replicas: number; gather: ServerProcess }>;
type Run = Readonly<{
  load: LoadResult;
  primaryReads: number;
  replicaReads: number;
  primaryPgCpuMs: number;
  replicaPgCpuMs: number;
}>;

/** One load run, with the read round trips each server served and each server's CPU time over it. */
async function measuredRun(
  setup: Setup,
  clusters: readonly [PrivatePostgres, PrivatePostgres],
  t: TracedCase,
  connections: number,
  seconds: number,
): Promise<Run> {
  const snapshot = async () => ({
    reads: await readsByServer([setup.gather.url]),
    cpuMs: await Promise.all(clusters.map((cluster) => cluster.cpuMs())),
  });
  const before = await snapshot();
  const load = await runLoad(setup.gather, t.case, connections, seconds);
  const after = await snapshot();
  const reads = (server: string) => (after.reads.get(server) ?? 0) - (before.reads.get(server) ?? 0);
  return {
    load,
    primaryReads: reads(PRIMARY),
    replicaReads: reads(REPLICA),
    primaryPgCpuMs: after.cpuMs[0]! - before.cpuMs[0]!,
    replicaPgCpuMs: after.cpuMs[1]! - before.cpuMs[1]!,
  };
}

function replicaRow(t: TracedCase, connections: number, replicas: number, runs: Run[]): ReplicaRow {
  const load = medianLoad(runs.map((r) => r.load));
  const perRequest = (value: (r: Run) => number) =>
    median(runs.map((r) => (r.load.requests === 0 ? 0 : value(r) / r.load.requests)));
  return {
    name: t.case.name,
    path: t.case.path,
    connections,
    replicas,
    rps: load.rps,
    p50_ms: load.p50Ms,
    p99_ms: load.p99Ms,
    non2xx: load.non2xx,
    cpu_us: Math.round(load.cpuUs),
    primary_reads: perRequest((r) => r.primaryReads),
    replica_reads: perRequest((r) => r.replicaReads),
    replica_share: median(runs.map((r) => r.replicaReads / Math.max(1, r.primaryReads + r.replicaReads))),
    primary_pg_cpu_us: Math.round(perRequest((r) => r.primaryPgCpuMs * 1000)),
    replica_pg_cpu_us: Math.round(perRequest((r) => r.replicaPgCpuMs * 1000)),
  };
}

export async function run(options: HttpOptions): Promise<number> {
  const mode = benchMode(options);
  // One connection count, the highest, unless --connections lists others.
  const connections = options.connections ?? [Math.max(...mode.connections)];
  const size = SIZES[mode.size];
  const started = performance.now();
  const bin = postgresBinaries();
  if (bin === undefined) {
    console.log(
      'gather bench http --replica: no PostgreSQL server binaries (initdb) under /usr/lib/postgresql',
    );
    return 1;
  }
  const primary = await createPrivatePostgres(bin);
  const clusters: PrivatePostgres[] = [primary];
  const setups: Setup[] = [];
  try {
    const replica = await createPrivatePostgres(bin, { replicaOf: primary });
    clusters.push(replica);
    const data = await postgresData(mode.size, primary.url);
    console.log(
      `gather bench http --replica (${mode.name}): a private primary (:${primary.port}) and a streaming ` +
        `replica (:${replica.port}), ${data.label}, seeding ${mode.size} size`,
    );
    const seeded = await seedData(data, size);
    const waitMs = await replayed(primary, replica);
    console.log(
      `  seeded in ${(seeded.ms / 1000).toFixed(1)} s; the replica replayed it ${(waitMs / 1000).toFixed(1)} s later`,
    );

    const jwtSecret = randomBytes(32).toString('hex');
    const pass = await tracedPass(data.env, jwtSecret);
    const traced = pass.cases.filter(
      (t) => CASES.includes(t.case.name) && t.case.name.includes(options.case ?? ''),
    );
    await buildGather();
    setups.push({ replicas: 0, gather: await startBenchGather(data.env, jwtSecret) });
    const replicaUrl = schemaUrl(replica.url, benchSchema(mode.size));
    setups.push({
      replicas: 1,
      gather: await startBenchGather({ ...data.env, DATABASE_REPLICA_URLS: replicaUrl }, jwtSecret),
    });
    // Warm-up (JIT, prepared statements, pools, the replica's status), not measured.
    for (const setup of setups) for (const t of traced) await runLoad(setup.gather, t.case, 16, 1);

    const pair = [primary, replica] as const;
    const rows: ReplicaRow[] = [];
    for (const t of traced) {
      for (const n of connections) {
        const runs = await alternatingRuns(
          mode.seconds,
          setups.map((setup) => (s: number) => measuredRun(setup, pair, t, n, s)),
        );
        for (const [i, setup] of setups.entries()) {
          const result = replicaRow(t, n, setup.replicas, runs[i]!);
          rows.push(result);
          process.stderr.write(
            `  ${t.case.name} @${n}, ${setup.replicas} replica(s): ${result.rps.toFixed(0)} req/s\n`,
          );
        }
      }
    }

    const checks = replicaChecks(rows);
    const heading =
      `A private primary and one streaming replica (PostgreSQL ${bin.split('/').at(-2)}, initdb defaults, ` +
      `fsync=off, no apply delay) on this machine, sharing its cores; schema ${benchSchema(mode.size)}, ` +
      `${groupDigits(size.articles)} articles; ${mode.seconds} s per case and setup; ${machineLine()} ` +
      'Medians of 3 alternating runs (no replica, one replica, …) of half that time. Reads per request: read ' +
      'round trips per server from Gather\'s /metrics (gather_db_queries_total{kind="read"}); PG CPU: the ' +
      "server's postmaster, backends and workers, from /proc.";
    const table = replicaTable(rows);
    console.log(`\n${heading}\n\n${table}\n\n${checkLines(checks)}`);
    if (mode.results) {
      const flags = [...(mode.name === 'full' ? [] : [mode.name]), 'replica'];
      const files = await writeResults(flags, heading, table, checks, { cases: rows });
      console.log(`\nwrote ${files.join(' and ')}`);
    }
    console.log(
      `gather bench http --replica: done in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    return checks.every((c) => c.pass) ? 0 : 1;
  } finally {
    await Promise.all(setups.map((setup) => setup.gather.stop()));
    for (const cluster of clusters.reverse()) await cluster.destroy();
  }
}
