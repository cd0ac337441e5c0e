// Proof that the migration lint warns about something real (docs/migrations.md): on PostgreSQL with a
// large articles table, clients read and write through Gather while `gather db upgrade` (the user's command,
// from a project folder of the scenario's own) applies (a) an unsafe migration — a plain CREATE INDEX on
// articles and a SET NOT NULL — with --allow-unsafe, then, after undoing it, (b) its safe rewrite — CREATE
// INDEX CONCURRENTLY, and a CHECK … NOT VALID, validated in the next migration, that lets SET NOT NULL skip its
// scan. Each phase is compared with a baseline in which the same upgrade command runs with nothing to apply
// (the same process start on the same two cores, no migration).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { groupDigits } from '../../src/digits.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { startGather } from '../harness/server-process.ts';
import {
  afterGathers,
  BASELINE,
  type Figures,
  figuresOf,
  format,
  type LiveOptions,
  livePhases,
  liveProject,
  type MigrationFiles,
  type Phase,
  printPhases,
  SERVER_APPLICATION,
  seedLive,
} from './live-migration.ts';
import { report as reportChecks } from './samples.ts';
import { SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

export type MigrateLiveOptions = LiveOptions;

/** Untimed set-up: a nullable column to make NOT NULL (every articles column is NOT NULL already). */
const SETUP: MigrationFiles = {
  name: afterGathers(1, 'articles_reading_minutes'),
  up: 'ALTER TABLE "articles" ADD COLUMN "reading_minutes" integer DEFAULT 1;\n',
  down: 'ALTER TABLE "articles" DROP COLUMN "reading_minutes";\n',
};

/**
 * What a hurried author writes (in drizzle-kit's order: ALTER before CREATE INDEX): both statements block the
 * table while they work. The other order deadlocks with live writers (the index build's SHARE lock, then
 * ACCESS EXCLUSIVE wanted while a writer that already read the table waits behind SHARE): PostgreSQL then
 * rolls the migration back.
 */
const UNSAFE: MigrationFiles[] = [
  {
    name: afterGathers(2, 'title_index_reading_minutes_not_null'),
    up:
      'ALTER TABLE "articles" ALTER COLUMN "reading_minutes" SET NOT NULL;\n' +
      'CREATE INDEX "articles_title_idx" ON "articles" USING btree ("title");\n',
    down:
      'ALTER TABLE "articles" ALTER COLUMN "reading_minutes" DROP NOT NULL;\n' +
      'DROP INDEX "articles_title_idx";\n',
  },
];

const CHECK = 'articles_reading_minutes_not_null';

/** The same schema change as the lint's rewrites say, one lock-light step per migration. */
const SAFE: MigrationFiles[] = [
  {
    name: afterGathers(2, 'title_index'),
    up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_title_idx" ON "articles" USING btree ("title");\n',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS "articles_title_idx";\n',
  },
  {
    name: afterGathers(3, 'reading_minutes_check'),
    up: `ALTER TABLE "articles" ADD CONSTRAINT "${CHECK}" CHECK ("reading_minutes" IS NOT NULL) NOT VALID;\n`,
    down: `ALTER TABLE "articles" DROP CONSTRAINT "${CHECK}";\n`,
  },
  {
    name: afterGathers(4, 'reading_minutes_validate'),
    up: `ALTER TABLE "articles" VALIDATE CONSTRAINT "${CHECK}";\n`,
    down: '-- a validation has nothing to undo\n',
  },
  {
    name: afterGathers(5, 'reading_minutes_not_null'),
    up:
      `-- gather:allow set-not-null-scans the valid check ${CHECK} (the migration before) proves it: PostgreSQL 12+ skips the scan\n` +
      'ALTER TABLE "articles" ALTER COLUMN "reading_minutes" SET NOT NULL;\n' +
      `ALTER TABLE "articles" DROP CONSTRAINT "${CHECK}";\n`,
    down:
      `ALTER TABLE "articles" ADD CONSTRAINT "${CHECK}" CHECK ("reading_minutes" IS NOT NULL) NOT VALID;\n` +
      'ALTER TABLE "articles" ALTER COLUMN "reading_minutes" DROP NOT NULL;\n',
  },
];

/**
 * A lock wait this long means the migration held live traffic up: a request's own transactions take a few
 * milliseconds, and Gather gives up on a lock after DB_LOCK_TIMEOUT_MS (500 ms, then 503).
 */
const LOCK_HELD_UP_MS = 100;

export async function run({ articles, seconds, clients }: MigrateLiveOptions): Promise<boolean> {
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_migrate_live');
  const env = scenarioEnv({ DATABASE_URL: database.url });
  const project = await liveProject(env);
  try {
    await project.dbOrThrow('upgrade');
    const seeded = await seedLive('migrate-live', database.url, articles, "gather seed --size large's shape");
    // Gather starts before the set-up migration, which its own migrations folder does not have (a server
    // refuses to start on a database with an applied migration it does not know).
    const server = await startGather({ env: { ...env, PGAPPNAME: SERVER_APPLICATION } });
    try {
      await project.writeMigrations([SETUP]);
      await project.dbOrThrow('upgrade');
      const phase = await livePhases(server.url, { project, databaseUrl: database.url, clients, seconds });
      const baseline = await phase(BASELINE.name, BASELINE.migration);
      await project.writeMigrations(UNSAFE);
      const unsafe = await phase('unsafe', 'SET NOT NULL; CREATE INDEX (one migration, --allow-unsafe)', [
        '--allow-unsafe',
      ]);
      if (unsafe.upgradeOk) await project.dbOrThrow('downgrade');
      await Promise.all(UNSAFE.map(({ name }) => rm(join(project.migrationsDir, name), { recursive: true })));
      await project.writeMigrations(SAFE);
      const safe = await phase(
        'safe',
        'CREATE INDEX CONCURRENTLY; CHECK NOT VALID; VALIDATE; SET NOT NULL (four migrations)',
      );
      return report({ articles: seeded, seconds, clients }, [baseline, unsafe, safe]);
    } finally {
      await server.stop();
    }
  } finally {
    await project.remove();
    await database.drop();
  }
}

function report(options: MigrateLiveOptions, phases: readonly Phase[]): boolean {
  printPhases(
    'migrate-live',
    `${options.clients} clients (half reading: list and get; half writing: article, comment, favorite, ` +
      `unfavorite) through Gather on PostgreSQL, ${groupDigits(options.articles)} articles, ` +
      `≥ ${options.seconds} s per phase; \`gather db upgrade\` starts 1 s into each`,
    phases,
  );
  const [baseline, unsafe, safe] = phases.map(figuresOf) as [Figures, Figures, Figures];
  const [, unsafePhase, safePhase] = phases as [Phase, Phase, Phase];
  return reportChecks('migrate-live', [
    [baseline.errors === 0, `baseline: ${baseline.errors} errors`],
    [unsafePhase.upgradeOk && safePhase.upgradeOk, 'both migrations applied'],
    [
      unsafePhase.longestLockWaitMs >= LOCK_HELD_UP_MS,
      `unsafe: Gather's requests waited ${format(unsafePhase.longestLockWaitMs)} ms for a lock ≥ ${LOCK_HELD_UP_MS} ms ` +
        `(writes blocked ${format(unsafe.writesBlocked)} ms against ${format(baseline.writesBlocked)} ms in the baseline; ` +
        `${unsafe.errors} errors): the stall the lint warns about`,
    ],
    [
      safePhase.longestLockWaitMs < LOCK_HELD_UP_MS,
      `safe: Gather's requests waited ${format(safePhase.longestLockWaitMs)} ms for a lock at most (< ${LOCK_HELD_UP_MS} ms)`,
    ],
    [safe.errors === 0, `safe: ${safe.errors} errors`],
    [
      safe.p99 <= 2 * baseline.p99,
      `safe: p99 ${format(safe.p99)} ms ≤ 2 × ${format(baseline.p99)} ms of the baseline`,
    ],
  ]);
}
