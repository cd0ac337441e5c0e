// `gather bench startup`: how long Gather takes to start and how much memory it holds, idle and at its peak, started
// as a user starts it: `gather --version` from a source checkout (bin/gather.js) and compiled (dist/cli/index.js);
// `gather serve` on a new embedded folder (a copy of the migrated template npm install made; and once with no
// template, as on a machine whose install did not make one) and on the same folder again (npm start); compiled
// on PostgreSQL (npm run start:dist, in a scratch database migrated first by `gather db upgrade`, as the README's
// production steps do); and a `gather db` command on each database, which opens the data without the app. Each
// figure is the median of the rounds; the full run checks issue 22's targets (the db commands have none),
// --smoke (CI) prints the figures of one round only.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadMigrations } from '../src/db/migrate/files.ts';
import { migratedTemplateFor, templateFor } from '../src/db/pglite-template.ts';
import { sleep } from '../tools/harness/api-client.ts';
import { scratchDatabase } from '../tools/harness/scratch-database.ts';
import { buildGather, runGather, startGather } from '../tools/harness/server-process.ts';
import { median } from '../tools/harness/stats.ts';
import { postgresServerUrl } from './lib/postgres-server.ts';
import { textTable } from './lib/table.ts';

export type StartupOptions = Readonly<{ rounds: number; checkTargets: boolean }>;

const SOURCE = new URL('../bin/gather.js', import.meta.url).pathname;
const COMPILED = new URL('../dist/cli/index.js', import.meta.url).pathname;
/** How long a started server is left alone before its idle memory is read. */
const SETTLE_MS = 1_000;

/** A figure, and the target it is checked against (none: printed only). */
type Figure = Readonly<{ name: string; values: number[]; unit: 'ms' | 'MB'; target?: number }>;

async function versionMs(script: string): Promise<number> {
  const started = performance.now();
  await promisify(execFile)(process.execPath, [script, '--version']);
  return performance.now() - started;
}

/** ms for `gather db <args>` from the source checkout, to its exit (which must be 0). */
async function dbCommandMs(args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const run = await runGather(['db', ...args], { env });
  if (run.code !== 0) throw new Error(`gather db ${args.join(' ')} exited with ${run.code}: ${run.stderr}`);
  return performance.now() - started;
}

/** Until GET /api/tags answers 200 (every 10 ms). */
async function firstAnswer(url: string): Promise<void> {
  for (;;) {
    const status = await fetch(`${url}/api/tags`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(10);
  }
}

/**
 * One start of `gather serve`: ms from the command to its first answer, then its idle RSS and the most it held
 * on the way (the peak: what a container's memory limit must allow).
 */
async function serveOnce(
  env: Record<string, string>,
  options: { compiled: boolean; args?: string[] },
): Promise<{ answerMs: number; idleMb: number; peakMb: number }> {
  const started = performance.now();
  const server = await startGather({
    env: { NODE_ENV: 'production', LOG_LEVEL: 'warn', GATHER_TRACE: '0', ...env },
    ...options,
  });
  try {
    await firstAnswer(server.url);
    const answerMs = performance.now() - started;
    await sleep(SETTLE_MS);
    return { answerMs, idleMb: server.rssMb(), peakMb: server.peakRssMb() };
  } finally {
    await server.stop();
  }
}

async function measure(rounds: number): Promise<Figure[]> {
  const jwt = { JWT_SECRET: randomBytes(32).toString('hex') };
  const figures = {
    versionSource: [] as number[],
    versionCompiled: [] as number[],
    firstAnswer: [] as number[],
    newAnswer: [] as number[],
    newIdle: [] as number[],
    newPeak: [] as number[],
    existingAnswer: [] as number[],
    existingIdle: [] as number[],
    existingPeak: [] as number[],
    postgresAnswer: [] as number[],
    postgresIdle: [] as number[],
    postgresPeak: [] as number[],
    dbTemplate: [] as number[],
    dbHistoryPglite: [] as number[],
    dbHeadsPostgres: [] as number[],
    dbUpgradePostgres: [] as number[],
  };
  const migrations = await loadMigrations();
  const database = await scratchDatabase(postgresServerUrl(), 'gather_bench_startup');
  try {
    // As the README's production steps: the migrations applied by `gather db upgrade`, then the server
    // started, with nothing left to apply (a start that applies them holds the SQL parser's ~5 MB more).
    figures.dbUpgradePostgres.push(await dbCommandMs(['upgrade'], { DATABASE_URL: database.url }));
    for (let round = 0; round < rounds; round++) {
      figures.versionSource.push(await versionMs(SOURCE));
      figures.versionCompiled.push(await versionMs(COMPILED));
      // The first folder on a machine whose install made no template (initdb, which makes the template).
      const template = templateFor();
      for (const path of [template.folder, template.tarball, migratedTemplateFor(migrations, template)])
        await rm(path, { recursive: true, force: true });
      const firstDir = await mkdtemp(join(tmpdir(), 'gather-bench-startup-'));
      try {
        const first = await serveOnce({ ...jwt, GATHER_DATA_DIR: firstDir }, { compiled: false });
        figures.firstAnswer.push(first.answerMs);
      } finally {
        await rm(firstDir, { recursive: true, force: true });
      }
      // Then the templates as npm install makes them: the migrated one is what a new folder is copied from.
      figures.dbTemplate.push(await dbCommandMs(['template'], {}));
      const dataDir = await mkdtemp(join(tmpdir(), 'gather-bench-startup-'));
      try {
        const folder = { ...jwt, GATHER_DATA_DIR: dataDir };
        const created = await serveOnce(folder, { compiled: false });
        figures.newAnswer.push(created.answerMs);
        figures.newIdle.push(created.idleMb);
        figures.newPeak.push(created.peakMb);
        const reopened = await serveOnce(folder, { compiled: false });
        figures.existingAnswer.push(reopened.answerMs);
        figures.existingIdle.push(reopened.idleMb);
        figures.existingPeak.push(reopened.peakMb);
        figures.dbHistoryPglite.push(await dbCommandMs(['history'], folder));
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
      const postgres = await serveOnce({ ...jwt, DATABASE_URL: database.url }, { compiled: true });
      figures.postgresAnswer.push(postgres.answerMs);
      figures.postgresIdle.push(postgres.idleMb);
      figures.postgresPeak.push(postgres.peakMb);
      figures.dbHeadsPostgres.push(await dbCommandMs(['heads'], { DATABASE_URL: database.url }));
    }
  } finally {
    await database.drop();
  }
  return [
    { name: 'gather --version, source checkout', values: figures.versionSource, unit: 'ms', target: 300 },
    { name: 'gather --version, compiled', values: figures.versionCompiled, unit: 'ms', target: 300 },
    {
      name: 'npm start, new PGlite folder, no template yet: first answer',
      values: figures.firstAnswer,
      unit: 'ms',
    },
    { name: "gather db template (npm install's step), after it", values: figures.dbTemplate, unit: 'ms' },
    {
      name: 'npm start, new PGlite folder: first answer',
      values: figures.newAnswer,
      unit: 'ms',
      target: 3_000,
    },
    { name: 'npm start, new PGlite folder: idle RSS', values: figures.newIdle, unit: 'MB', target: 200 },
    { name: 'npm start, new PGlite folder: peak RSS', values: figures.newPeak, unit: 'MB' },
    {
      name: 'npm start, existing folder: first answer',
      values: figures.existingAnswer,
      unit: 'ms',
      target: 3_000,
    },
    { name: 'npm start, existing folder: idle RSS', values: figures.existingIdle, unit: 'MB', target: 200 },
    { name: 'npm start, existing folder: peak RSS', values: figures.existingPeak, unit: 'MB' },
    { name: 'compiled, PostgreSQL: first answer', values: figures.postgresAnswer, unit: 'ms', target: 3_000 },
    { name: 'compiled, PostgreSQL: idle RSS', values: figures.postgresIdle, unit: 'MB', target: 80 },
    { name: 'compiled, PostgreSQL: peak RSS', values: figures.postgresPeak, unit: 'MB' },
    { name: 'gather db history, existing PGlite folder', values: figures.dbHistoryPglite, unit: 'ms' },
    { name: 'gather db heads, PostgreSQL', values: figures.dbHeadsPostgres, unit: 'ms' },
    { name: 'gather db upgrade, new PostgreSQL database', values: figures.dbUpgradePostgres, unit: 'ms' },
  ];
}

export async function run({ rounds, checkTargets }: StartupOptions): Promise<number> {
  await buildGather();
  console.log(
    `startup: ${rounds} round(s) on Node ${process.versions.node}; each figure the median of the rounds ` +
      `(idle RSS read ${SETTLE_MS} ms after the first answer)`,
  );
  const figures = await measure(rounds);
  const rows = figures.map(({ name, values, unit, target }) => [
    name,
    `${median(values).toFixed(0)} ${unit}`,
    values.map((value) => value.toFixed(0)).join(' / '),
    target === undefined ? '–' : `≤ ${target} ${unit}`,
  ]);
  console.log(textTable(['what', 'median', 'rounds', 'target'], rows, 1));
  if (!checkTargets) {
    console.log('targets not checked in --smoke (one round on a loaded machine)');
    return 0;
  }
  let failed = false;
  for (const { name, values, unit, target } of figures) {
    if (target === undefined) continue;
    const pass = median(values) <= target;
    failed ||= !pass;
    console.log(
      `${pass ? 'PASS' : 'FAIL'} ${name}: ${median(values).toFixed(0)} ${unit}, target ≤ ${target} ${unit}`,
    );
  }
  return failed ? 1 : 0;
}
