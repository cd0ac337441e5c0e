// `npm run bench -- --pglite-vs-postgres`: Gather on the embedded PGlite (the default) beside Gather on
// PostgreSQL in one run, so that the ratios between them can be checked on any machine. The same dataset is
// seeded in a PGlite folder and in a PostgreSQL schema (those of --pglite and of the default mode), Gather
// compiled is started on each, and every read case is loaded on the two in turn (alternating runs, medians).
// Then GET /api/tags is measured alone and during a list load on each: on PGlite the database works inside
// Gather's process, so its tags p99 under a list load says whether the event loop stays free.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupDigits } from '../src/digits.ts';
import { SIZES } from '../src/seed/dataset.ts';
import { type LoadRequest, type LoadResult, runLoad } from '../tools/harness/load.ts';
import { buildGather, type ServerProcess } from '../tools/harness/server-process.ts';
import { median } from '../tools/harness/stats.ts';
import {
  alternatingRuns,
  benchMode,
  type HttpOptions,
  type LoadFigures,
  machineLine,
  medianLoad,
  pgliteData,
  postgresData,
  seedData,
  seededText,
  startBenchGather,
  writeResults,
} from './http.ts';
import type { BenchCase } from './lib/cases.ts';
import {
  type ComparisonRow,
  comparisonErrorCheck,
  comparisonTable,
  comparisonTargetChecks,
  type DatabaseFigures,
  type DatabaseName,
  PGLITE_RATIO_TARGETS,
  type TagsProbeRow,
  tagsProbeTable,
} from './lib/pglite-report.ts';
import { checkLines } from './lib/report.ts';
import { tracedPass } from './lib/traced-pass.ts';

const FLAG = 'pglite-vs-postgres';
/** The tags probe's connections: one request at a time, as a reader's page would add it. */
const PROBE_CONNECTIONS = 1;
/** A load process takes a moment to start: the list load starts this long before the probe, ends this long after. */
const LEAD_SECONDS = 1;

type Side = Readonly<{ database: DatabaseName; gather: ServerProcess }>;

const figuresOf = (load: LoadFigures): DatabaseFigures => ({
  rps: load.rps,
  p50_ms: load.p50Ms,
  p99_ms: load.p99Ms,
  non2xx: load.non2xx,
  cpu_us: Math.round(load.cpuUs),
  rss_mb: Math.round(load.rssMb),
});

function comparisonRow(
  c: BenchCase,
  connections: number,
  top: number,
  postgres: DatabaseFigures,
  pglite: DatabaseFigures,
): ComparisonRow {
  return {
    name: c.name,
    path: c.path,
    connections,
    postgres,
    pglite,
    ratio: Math.round((pglite.rps / postgres.rps) * 100) / 100,
    target: connections === top ? (PGLITE_RATIO_TARGETS[c.name] ?? null) : null,
  };
}

type ProbeRun = Readonly<{ tags: LoadResult; list?: LoadResult }>;

/**
 * GET /api/tags alone and during `list`, alternating (alone, during, …). The two loads together keep to
 * `top` connections: one more would pass MAX_REQUESTS_IN_FLIGHT (64 by default) and be shed with a 503.
 */
async function tagsProbe(
  side: Side,
  tags: LoadRequest,
  list: LoadRequest,
  top: number,
  seconds: number,
): Promise<TagsProbeRow> {
  const listConnections = Math.max(1, top - PROBE_CONNECTIONS);
  const [alone, duringList] = await alternatingRuns<ProbeRun>(seconds, [
    async (s) => ({ tags: await runLoad(side.gather, tags, PROBE_CONNECTIONS, s) }),
    async (s) => {
      // Two load processes at once, each its own autocannon; the list load covers the whole probe.
      const [listLoad, tagsLoad] = await Promise.all([
        runLoad(side.gather, list, listConnections, s + 2 * LEAD_SECONDS),
        sleep(LEAD_SECONDS * 1000).then(() => runLoad(side.gather, tags, PROBE_CONNECTIONS, s)),
      ]);
      return { tags: tagsLoad, list: listLoad };
    },
  ]);
  // The 200s' own p99, unrounded: autocannon's p99 is in whole milliseconds, and tags take about one.
  const p99 = (runs: ProbeRun[]) => median(runs.map((r) => r.tags.byStatus['200']?.p99 ?? Number.NaN));
  const aloneP99 = p99(alone!);
  const duringListP99 = p99(duringList!);
  return {
    database: side.database,
    list_connections: listConnections,
    alone_p99_ms: aloneP99,
    during_list_p99_ms: duringListP99,
    ratio: duringListP99 / aloneP99,
    non2xx: [...alone!, ...duringList!].reduce((sum, r) => sum + r.tags.non2xx + (r.list?.non2xx ?? 0), 0),
  };
}

export async function run(options: HttpOptions): Promise<number> {
  const mode = benchMode(options);
  const { seconds, connections } = mode;
  const top = Math.max(...connections);
  const size = SIZES[mode.size];
  const started = performance.now();

  const databases = [
    { name: 'PostgreSQL', data: await postgresData(mode.size) },
    { name: 'PGlite', data: pgliteData(mode.size) },
  ] as const;
  console.log(
    `gather bench http --${FLAG} (${mode.name}): ${databases.map((d) => d.data.label).join(' and ')}, ` +
      `seeding ${mode.size} size on each`,
  );
  for (const { data } of databases) console.log(`  ${data.label}: ${seededText(await seedData(data, size))}`);

  const jwtSecret = randomBytes(32).toString('hex');
  // One traced pass, on PostgreSQL, serves both: its tokens carry only a user id, signed with jwtSecret (both
  // servers get it), and the seed is deterministic with explicit ids, so the fixture's users, tag and newest
  // article are the same in the PGlite folder. (The pass's writes, one article, comment and favorite, land on
  // PostgreSQL only.)
  const pass = await tracedPass(databases[0].data.env, jwtSecret);
  const reads = pass.cases.filter((t) => !t.case.write && t.case.name.includes(options.case ?? ''));
  const caseNamed = (name: string) => pass.cases.find((t) => t.case.name === name)!.case;

  await buildGather();
  const sides: Side[] = [];
  const rows: ComparisonRow[] = [];
  const probes: TagsProbeRow[] = [];
  try {
    // Both up at once, PostgreSQL's first as `databases` lists them; only one is loaded at a time.
    for (const { name, data } of databases) {
      sides.push({ database: name, gather: await startBenchGather(data.env, jwtSecret) });
    }
    // Warm-up (JIT, prepared statements, pools, PGlite's caches), not measured.
    for (const side of sides) for (const t of reads) await runLoad(side.gather, t.case, 16, 1);

    for (const t of reads) {
      for (const n of connections) {
        const [postgresRuns, pgliteRuns] = await alternatingRuns(
          seconds,
          sides.map((side) => (s: number) => runLoad(side.gather, t.case, n, s)),
        );
        const postgres = figuresOf(medianLoad(postgresRuns!));
        const pglite = figuresOf(medianLoad(pgliteRuns!));
        const row = comparisonRow(t.case, n, top, postgres, pglite);
        rows.push(row);
        process.stderr.write(
          `  ${t.case.name} @${n}: PostgreSQL ${row.postgres.rps.toFixed(0)} req/s, ` +
            `PGlite ${row.pglite.rps.toFixed(0)} req/s (${row.ratio.toFixed(2)} ×)\n`,
        );
      }
    }
    // The loop's freedom is measured with the tags case (left out when --case leaves it out).
    if (reads.some((t) => t.case.name === 'tags')) {
      for (const side of sides) {
        const probe = await tagsProbe(side, caseNamed('tags'), caseNamed('list articles'), top, seconds);
        probes.push(probe);
        process.stderr.write(
          `  tags on ${side.database}: p99 ${probe.alone_p99_ms.toFixed(2)} ms alone, ` +
            `${probe.during_list_p99_ms.toFixed(2)} ms during list articles\n`,
        );
      }
    }
  } finally {
    await Promise.all(sides.map((side) => side.gather.stop()));
  }

  // As the main mode's floor targets: with --smoke (CI's shared runner, demo rows, 1 s runs) the ratios say
  // little, so its targets are printed and only errors fail the run.
  const targetChecks = comparisonTargetChecks(rows, probes);
  const checks = [comparisonErrorCheck(rows, probes), ...(mode.floor ? targetChecks : [])];
  const heading =
    `${databases.map((d) => d.data.label).join(' beside ')}, ${groupDigits(size.articles)} ` +
    `articles each; ${seconds} s per case and database; ${machineLine()} Medians of 3 alternating runs ` +
    '(PostgreSQL, PGlite, …) of half that time; ratio = PGlite req/s ÷ PostgreSQL req/s, its target checked ' +
    `at ${top} connections. CPU µs/req and RSS are Gather's process: on PGlite the database's work and ` +
    "memory are in it, on PostgreSQL the database server's are not.";
  const probeHeading =
    `GET /api/tags from ${PROBE_CONNECTIONS} connection, p99 of its 200s (medians of 3 alternating runs of ` +
    `${Math.ceil(seconds / 2)} s): alone, and during list articles on the same server (both loads together at ` +
    `${top} connections).`;
  const table =
    probes.length === 0
      ? comparisonTable(rows)
      : `${comparisonTable(rows)}\n\n${probeHeading}\n\n${tagsProbeTable(probes)}`;
  console.log(`\n${heading}\n\n${table}\n\n${checkLines(checks)}`);
  if (!mode.floor) console.log(`\nTargets, not enforced with --${mode.name}:\n${checkLines(targetChecks)}`);
  if (mode.results) {
    const flags = [...(mode.name === 'full' ? [] : [mode.name]), FLAG];
    const files = await writeResults(flags, heading, table, checks, { cases: rows, tags_probe: probes });
    console.log(`\nwrote ${files.join(' and ')}`);
  }
  console.log(`gather bench http --${FLAG}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return checks.every((c) => c.pass) ? 0 : 1;
}
