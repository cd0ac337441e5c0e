// `npm run bench -- --scale` (issue 20): how Gather's cost grows with the data. A small and a big dataset are
// seeded (each in a schema or a PGlite folder of its own, reused when its row counts match), Gather compiled
// is started on each, and every read case is loaded on the two in turn (alternating runs, medians), with the
// ratio big ÷ small; then the extra cases of bench/lib/scale-cases.ts (deep pages, feeds of readers who follow
// many authors, many tags, writes). On PostgreSQL, bench beside large; with --smoke (CI) or --pglite, quick
// beside bench (PGlite has no large dataset: the cases that grow it by SQL say SKIP).
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { groupDigits } from '../src/digits.ts';
import { type SeedSize, SIZES, type SizeName } from '../src/seed/dataset.ts';
import { runLoad } from '../tools/harness/load.ts';
import { buildGather } from '../tools/harness/server-process.ts';
import {
  alternatingRuns,
  type BenchData,
  benchMode,
  type HttpOptions,
  machineLine,
  medianLoad,
  pgliteData,
  postgresData,
  seedData,
  seededText,
  startBenchGather,
  writeResults,
} from './http.ts';
import { type Check, checkLines } from './lib/report.ts';
import { EXTRA_CASES } from './lib/scale-cases.ts';
import {
  caseOf,
  type DatasetName,
  type ExtraOutcome,
  emptyOutcome,
  type ScaleContext,
  type ScalePlan,
  type ScaleSide,
  sideFigures,
} from './lib/scale-context.ts';
import {
  extrasTable,
  readTargetChecks,
  type ScaleRow,
  scaleErrorCheck,
  scaleRow,
  scaleTable,
} from './lib/scale-report.ts';
import { type TracedPass, tracedPass } from './lib/traced-pass.ts';

const FLAG = 'scale';
/** The read cases' connections, unless --connections says otherwise. */
const READ_CONNECTIONS = [16];

type ScaleMode = ScalePlan &
  Readonly<{
    name: string;
    sizes: Readonly<Record<DatasetName, SizeName>>;
    connections: readonly number[];
    /** Targets fail the run; with --smoke (CI's shared runner, 1 s runs) they are printed, only errors fail it. */
    enforced: boolean;
    results: boolean;
  }>;

function scaleMode(options: HttpOptions): ScaleMode {
  const base = benchMode(options);
  const smoke = base.name === 'smoke';
  // The large dataset (a million articles) is PostgreSQL's and takes a full run's time.
  const large = !smoke && !options.pglite;
  return {
    name: base.name,
    sizes: large ? { small: 'bench', big: 'large' } : { small: 'quick', big: 'bench' },
    seconds: base.seconds,
    // Three alternating rounds as the other modes; --smoke looks for errors only, one is enough.
    rounds: smoke ? 1 : 3,
    connections: options.connections ?? READ_CONNECTIONS,
    followees: large ? [5, 1_000, 10_000] : [5, 50, 500],
    tagsInUse: large ? 100_000 : 10_000,
    enforced: base.floor,
    results: base.results,
  };
}

/**
 * Gather's environment on `data`. A schema's URL selects it through `options` (search_path), and pg lets a
 * URL's options replace those Gather's pool sets (statement_timeout, lock_timeout,
 * idle_in_transaction_session_timeout): without them, a middle page's statement ran on for minutes after its
 * request had been answered with a 503, and took the database's CPU from every case after it. So they go into
 * the URL too, at Gather's own values. Only the servers get them: seeding needs longer statements.
 */
function serverEnv(data: BenchData): Record<string, string> {
  if (data.postgresUrl === undefined) return data.env;
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  const url = new URL(data.postgresUrl);
  const limits =
    `-c statement_timeout=${config.dbStatementTimeoutMs} -c lock_timeout=${config.dbLockTimeoutMs} ` +
    `-c idle_in_transaction_session_timeout=${config.dbIdleInTransactionTimeoutMs}`;
  url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} ${limits}`.trim());
  return { ...data.env, DATABASE_URL: url.toString() };
}

type Prepared = Readonly<{ name: DatasetName; size: SeedSize; data: BenchData; pass: TracedPass }>;

/** Each dataset seeded (or reused), then its traced pass: its tokens signed with `jwtSecret`, its newest slug. */
async function prepare(mode: ScaleMode, pglite: boolean, jwtSecret: string): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  for (const name of ['small', 'big'] as const) {
    const sizeName = mode.sizes[name];
    const data = pglite ? pgliteData(sizeName) : await postgresData(sizeName);
    const seeded = await seedData(data, SIZES[sizeName]);
    console.log(`  ${name}: ${data.label}, ${sizeName} size, ${seededText(seeded)}`);
    prepared.push({ name, size: SIZES[sizeName], data, pass: await tracedPass(data.env, jwtSecret) });
  }
  return prepared;
}

function tracedPassCheck(prepared: readonly Prepared[]): Check[] {
  const notOk = prepared.flatMap((p) =>
    p.pass.cases
      .filter((t) => t.status < 200 || t.status > 299)
      .map((t) => `${t.case.name} on ${p.name} → ${t.status}`),
  );
  return notOk.length === 0 ? [] : [{ pass: false, text: `traced pass: ${notOk.join(', ')}` }];
}

/** Every read case on small and big in turn, at each connection count: medians, and big ÷ small. */
async function measureReads(sides: readonly ScaleSide[], names: readonly string[], mode: ScaleMode) {
  const rows: ScaleRow[] = [];
  for (const name of names) {
    for (const n of mode.connections) {
      const [smallRuns, bigRuns] = await alternatingRuns(
        mode.seconds,
        sides.map((side) => (s: number) => runLoad(side.gather, caseOf(side, name), n, s)),
        mode.rounds,
      );
      const small = sideFigures(medianLoad(smallRuns!));
      const row = scaleRow(name, caseOf(sides[0]!, name).path, n, small, sideFigures(medianLoad(bigRuns!)));
      rows.push(row);
      process.stderr.write(
        `  ${name} @${n}: small ${row.small.rps.toFixed(0)} req/s, big ${row.big.rps.toFixed(0)} req/s ` +
          `(${row.ratio.toFixed(2)} ×)\n`,
      );
    }
  }
  return rows;
}

/** The extra cases the filter keeps, in order; one that cannot run here says SKIP, one that throws fails. */
async function runExtras(context: ScaleContext, filter: string) {
  const all = emptyOutcome();
  const failed: Check[] = [];
  for (const extra of EXTRA_CASES.filter((e) => e.name.includes(filter))) {
    if (extra.sql && context.big.data.postgresUrl === undefined) {
      all.notes.push(`SKIP ${extra.name}: grows the large dataset by SQL, which PGlite does not have`);
      continue;
    }
    try {
      const outcome: ExtraOutcome = await extra.run(context);
      all.rows.push(...outcome.rows);
      all.targets.push(...outcome.targets);
      all.notes.push(...outcome.notes);
    } catch (error) {
      failed.push({ pass: false, text: `${extra.name}: ${(error as Error).message}` });
    }
  }
  return { ...all, failed };
}

/** Gather started on each dataset; the read cases, then the extra ones; the servers stopped. */
async function measure(
  prepared: readonly Prepared[],
  mode: ScaleMode,
  names: readonly string[],
  filter: string,
  jwtSecret: string,
) {
  await buildGather();
  const sides: ScaleSide[] = [];
  try {
    // Both up at once, small first; one is loaded at a time (but for the deep-page isolation's two loads).
    for (const { name, size, data, pass } of prepared) {
      const gather = await startBenchGather(serverEnv(data), jwtSecret);
      sides.push({ name, size, data, gather, cases: new Map(pass.cases.map((t) => [t.case.name, t.case])) });
    }
    // Warm-up (JIT, prepared statements, pools, the database's caches), not measured; --smoke, which
    // looks for errors only, goes without.
    if (mode.enforced) {
      for (const side of sides) {
        for (const name of names) await runLoad(side.gather, caseOf(side, name), 16, 1);
      }
    }
    const reads = await measureReads(sides, names, mode);
    const extras = await runExtras({ small: sides[0]!, big: sides[1]!, plan: mode, reads }, filter);
    return { reads, extras };
  } finally {
    await Promise.all(sides.map((side) => side.gather.stop()));
  }
}

export async function run(options: HttpOptions): Promise<number> {
  const mode = scaleMode(options);
  const started = performance.now();
  const title = `gather bench http --${FLAG}${options.pglite ? ' --pglite' : ''}`;
  console.log(`${title} (${mode.name}): ${mode.sizes.small} size beside ${mode.sizes.big} size`);
  const jwtSecret = randomBytes(32).toString('hex');
  const prepared = await prepare(mode, options.pglite, jwtSecret);
  const filter = options.case ?? '';
  const names = prepared[0]!.pass.cases
    .filter((t) => !t.case.write && t.case.name.includes(filter))
    .map((t) => t.case.name);

  const { reads, extras } = await measure(prepared, mode, names, filter, jwtSecret);

  const errors = [...tracedPassCheck(prepared), scaleErrorCheck(reads, extras.rows), ...extras.failed];
  const targets = [...readTargetChecks(reads), ...extras.targets];
  const checks = [...errors, ...(mode.enforced ? targets : [])];
  const [small, big] = prepared.map((p) => `${p.data.label}, ${groupDigits(p.size.articles)} articles`);
  const runs = mode.rounds === 1 ? 'One run each, alternating' : `Medians of ${mode.rounds} alternating runs`;
  const heading =
    `Small: ${small}; big: ${big}. ${mode.seconds} s per case and dataset; ${machineLine()} ${runs} ` +
    `(small, big, …) of ${Math.ceil(mode.seconds / 2)} s; ratio = big req/s ÷ small req/s. Then the extra ` +
    `cases, their requests alternating the same way (but the middle page: one run of at least 5 s).`;
  const table = [
    scaleTable(reads),
    ...(extras.rows.length > 0 ? [extrasTable(extras.rows)] : []),
    ...(extras.notes.length > 0 ? [extras.notes.map((note) => `- ${note}`).join('\n')] : []),
  ].join('\n\n');
  console.log(`\n${heading}\n\n${table}\n\n${checkLines(checks)}`);
  if (!mode.enforced) console.log(`\nTargets, not enforced with --${mode.name}:\n${checkLines(targets)}`);
  if (mode.results) {
    const flags = options.pglite ? ['pglite', FLAG] : [FLAG];
    const files = await writeResults(flags, heading, table, checks, { cases: reads, extras: extras.rows });
    console.log(`\nwrote ${files.join(' and ')}`);
  }
  console.log(`${title}: done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return checks.every((c) => c.pass) ? 0 : 1;
}
