// Proof that the migration lint warns about something real (docs/migrations.md): on PostgreSQL with a
// large articles table, clients read and write through Gather while `gather db upgrade` (the user's command,
// from a project folder of the scenario's own) applies (a) an unsafe migration — a plain CREATE INDEX on
// articles and a SET NOT NULL — with --allow-unsafe, then, after undoing it, (b) its safe rewrite — CREATE
// INDEX CONCURRENTLY, and a CHECK … NOT VALID, validated in the next migration, that lets SET NOT NULL skip its
// scan. Each phase is compared with a baseline in which the same upgrade command runs with nothing to apply
// (the same process start on the same two cores, no migration).
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { largeShape, SEED_PASSWORD, usernameOf } from '../../src/seed/dataset.ts';
import { copyLoader } from '../../src/seed/loader.ts';
import { progressBar } from '../../src/seed/progress.ts';
import { seedWith } from '../../src/seed/seed.ts';
import { api, sleep } from '../harness/api-client.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { runGather, startGather } from '../harness/server-process.ts';
import { percentile } from '../harness/stats.ts';
import { type Request, report as reportChecks, type Sample, startClients, tally } from './samples.ts';
import { SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

export type MigrateLiveOptions = { articles: number; seconds: number; clients: number };

type MigrationFiles = Readonly<{ name: string; up: string; down: string }>;

const REPO_MIGRATIONS = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

/** Untimed set-up: a nullable column to make NOT NULL (every articles column is NOT NULL already). */
const SETUP: MigrationFiles = {
  name: '0003_articles_reading_minutes',
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
    name: '0004_title_index_reading_minutes_not_null',
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
    name: '0004_title_index',
    up: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_title_idx" ON "articles" USING btree ("title");\n',
    down: 'DROP INDEX CONCURRENTLY IF EXISTS "articles_title_idx";\n',
  },
  {
    name: '0005_reading_minutes_check',
    up: `ALTER TABLE "articles" ADD CONSTRAINT "${CHECK}" CHECK ("reading_minutes" IS NOT NULL) NOT VALID;\n`,
    down: `ALTER TABLE "articles" DROP CONSTRAINT "${CHECK}";\n`,
  },
  {
    name: '0006_reading_minutes_validate',
    up: `ALTER TABLE "articles" VALIDATE CONSTRAINT "${CHECK}";\n`,
    down: '-- a validation has nothing to undo\n',
  },
  {
    name: '0007_reading_minutes_not_null',
    up:
      `-- gather:allow set-not-null-scans the valid check ${CHECK} (0006) proves it: PostgreSQL 12+ skips the scan\n` +
      'ALTER TABLE "articles" ALTER COLUMN "reading_minutes" SET NOT NULL;\n' +
      `ALTER TABLE "articles" DROP CONSTRAINT "${CHECK}";\n`,
    down:
      `ALTER TABLE "articles" ADD CONSTRAINT "${CHECK}" CHECK ("reading_minutes" IS NOT NULL) NOT VALID;\n` +
      'ALTER TABLE "articles" ALTER COLUMN "reading_minutes" DROP NOT NULL;\n',
  },
];

/** Load before the upgrade starts and after it ends, inside each phase. */
const MARGIN_MS = 1_000;
/**
 * A lock wait this long means the migration held live traffic up: a request's own transactions take a few
 * milliseconds, and Gather gives up on a lock after DB_LOCK_TIMEOUT_MS (500 ms, then 503).
 */
const LOCK_HELD_UP_MS = 100;

type Phase = Readonly<{
  name: string;
  migration: string;
  samples: Sample[];
  /** The phase's span on the scenario's clock. */
  from: number;
  to: number;
  upgradeMs: number;
  /** The longest lock wait of Gather's sessions seen while the upgrade ran (watchLockWaits). */
  longestLockWaitMs: number;
  upgradeOk: boolean;
  upgradeOutput: string;
}>;

type Figures = Readonly<{
  requests: number;
  errors: number;
  outcomes: string;
  p50: number;
  p99: number;
  longest: number;
  longestWrite: number;
  /** The longest span in the phase during which no write completed. */
  writesBlocked: number;
}>;

/** Gather's connections say who they are (node-postgres reads PGAPPNAME), so their lock waits can be told apart. */
const SERVER_APPLICATION = 'migrate-live gather serve';

/**
 * Samples every 25 ms how long Gather's sessions have been waiting for a lock (pg_locks.waitstart,
 * PostgreSQL 14+); stop() gives the longest wait seen. This is what the migration made live traffic wait,
 * told apart from the CPU and I/O it competed for (which slow requests too, without any lock).
 */
function watchLockWaits(url: string): { stop(): Promise<number> } {
  const client = new pg.Client({ connectionString: url });
  let running = true;
  let longest = 0;
  const sampling = (async () => {
    await client.connect();
    while (running) {
      const [row] = (
        await client.query<{ ms: number }>(
          `SELECT coalesce(max(extract(epoch FROM clock_timestamp() - l.waitstart) * 1000), 0)::float8 AS ms
             FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE NOT l.granted AND a.application_name = $1`,
          [SERVER_APPLICATION],
        )
      ).rows;
      longest = Math.max(longest, row!.ms);
      await sleep(25);
    }
    await client.end();
  })();
  return {
    stop: async () => {
      running = false;
      await sampling;
      return longest;
    },
  };
}

const isWrite = (s: Sample) => s.group.startsWith('write');

function figuresOf(samples: readonly Sample[], from: number, to: number): Figures {
  const ms = samples.map((s) => s.ms);
  const writes = samples.filter(isWrite);
  const ends = writes.map((s) => s.startedAt + s.ms).sort((a, b) => a - b);
  let gap = 0;
  let previous = from;
  for (const end of [...ends, to]) {
    gap = Math.max(gap, end - previous);
    previous = end;
  }
  return {
    requests: samples.length,
    errors: samples.filter((s) => !s.outcome.startsWith('2')).length,
    outcomes: tally(samples),
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    longest: Math.max(0, ...ms),
    longestWrite: Math.max(0, ...writes.map((s) => s.ms)),
    writesBlocked: gap,
  };
}

const format = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

export async function run({ articles, seconds, clients }: MigrateLiveOptions): Promise<boolean> {
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_migrate_live');
  const project = await mkdtemp(join(tmpdir(), 'gather-migrate-live-'));
  const env = scenarioEnv({ DATABASE_URL: database.url });
  const migrationsDir = join(project, 'migrations');
  /** `gather db <args>` in the scenario's project folder (its package.json names its migrations folder). */
  const db = (...args: string[]) => runGather(['db', ...args], { cwd: project, env, timeoutMs: 600_000 });
  const dbOrThrow = async (...args: string[]) => {
    const step = await db(...args);
    if (step.code !== 0) throw new Error(`gather db ${args.join(' ')}: ${step.stderr}${step.stdout}`);
  };
  const writeMigrations = (list: readonly MigrationFiles[]) =>
    Promise.all(
      list.map(async ({ name, up, down }) => {
        await mkdir(join(migrationsDir, name));
        await writeFile(join(migrationsDir, name, 'up.sql'), up);
        await writeFile(join(migrationsDir, name, 'down.sql'), down);
      }),
    );
  try {
    await writeFile(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'migrate-live', type: 'module', gather: { migrations: 'migrations' } })}\n`,
    );
    await cp(REPO_MIGRATIONS, migrationsDir, { recursive: true });
    await dbOrThrow('upgrade');

    const size = largeShape(articles);
    const loader = await copyLoader(database.url);
    const seeded = await seedWith(loader, { size, replace: false, progress: progressBar() });
    // The load wrote its size in WAL several times over: a checkpoint now, not one started by max_wal_size in
    // the middle of a phase, flushing while the clients commit (a stall that is not the migration's).
    await loader.query('CHECKPOINT').finally(() => loader.close());
    console.log(
      `migrate-live: seeded ${size.articles.toLocaleString('en-US')} articles (gather seed --size large's ` +
        `shape) in ${(seeded.ms / 1000).toFixed(1)} s`,
    );
    // Gather starts before the set-up migration, which its own migrations folder does not have (a server
    // refuses to start on a database with an applied migration it does not know).
    const server = await startGather({ env: { ...env, PGAPPNAME: SERVER_APPLICATION } });
    try {
      await writeMigrations([SETUP]);
      await dbOrThrow('upgrade');
      const writers = Math.floor(clients / 2);
      const tokens = await Promise.all(
        Array.from({ length: writers }, async (_, i) => {
          const login = await api(server.url, 'POST', '/api/users/login', {
            body: { user: { email: `${usernameOf(i + 1)}@example.com`, password: SEED_PASSWORD } },
          });
          if (login.status !== 200) throw new Error(`login of ${usernameOf(i + 1)}: ${login.status}`);
          return (login.body as { user: { token: string } }).user.token;
        }),
      );
      const list = await api(server.url, 'GET', `/api/articles?limit=${clients}`);
      const slugs = (list.body as { articles: { slug: string }[] }).articles.map((a) => a.slug);

      const t0 = performance.now();
      const now = () => performance.now() - t0;
      /** Loads Gather for the phase while `gather db upgrade <args>` runs once, from MARGIN_MS in. */
      const phase = async (name: string, migration: string, upgradeArgs: string[]): Promise<Phase> => {
        const from = now();
        const groups: Record<string, { count: number; next(i: number): Request }> = {
          read: {
            count: clients - writers,
            next: (i) => ({
              method: 'GET',
              path: i % 2 === 0 ? '/api/articles?limit=10' : `/api/articles/${slugs[i % slugs.length]}`,
            }),
          },
        };
        tokens.forEach((token, w) => {
          const slug = slugs[w % slugs.length]!;
          groups[`write ${w}`] = {
            count: 1,
            // Every request writes: a new article, a comment, a favorite and its removal (the counters'
            // triggers update the article).
            next: (i): Request =>
              [
                {
                  method: 'POST',
                  path: '/api/articles',
                  token,
                  body: { article: { title: `${name} ${w} ${i}`, description: 'd', body: 'b', tagList: [] } },
                },
                {
                  method: 'POST',
                  path: `/api/articles/${slug}/comments`,
                  token,
                  body: { comment: { body: `${name} ${i}` } },
                },
                { method: 'POST', path: `/api/articles/${slug}/favorite`, token },
                { method: 'DELETE', path: `/api/articles/${slug}/favorite`, token },
              ][i % 4]!,
          };
        });
        const load = startClients(server.url, groups, now);
        await sleep(MARGIN_MS);
        const started = performance.now();
        const lockWaits = watchLockWaits(database.url);
        const upgrade = await db('upgrade', ...upgradeArgs);
        const longestLockWaitMs = await lockWaits.stop();
        const upgradeMs = performance.now() - started;
        await sleep(Math.max(MARGIN_MS, seconds * 1_000 - (now() - from)));
        await load.stop();
        return {
          name,
          migration,
          samples: load.samples,
          from,
          to: now(),
          upgradeMs,
          longestLockWaitMs,
          upgradeOk: upgrade.code === 0,
          upgradeOutput: `${upgrade.stdout}${upgrade.stderr}`.trim(),
        };
      };

      const baseline = await phase('baseline', 'none (the upgrade finds nothing to apply)', []);
      await writeMigrations(UNSAFE);
      const unsafe = await phase('unsafe', 'SET NOT NULL; CREATE INDEX (one migration, --allow-unsafe)', [
        '--allow-unsafe',
      ]);
      if (unsafe.upgradeOk) await dbOrThrow('downgrade');
      await Promise.all(UNSAFE.map(({ name }) => rm(join(migrationsDir, name), { recursive: true })));
      await writeMigrations(SAFE);
      const safe = await phase(
        'safe',
        'CREATE INDEX CONCURRENTLY; CHECK NOT VALID; VALIDATE; SET NOT NULL (four migrations)',
        [],
      );
      return report({ articles: size.articles, seconds, clients }, [baseline, unsafe, safe]);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(project, { recursive: true, force: true });
    await database.drop();
  }
}

function report(options: MigrateLiveOptions, phases: readonly Phase[]): boolean {
  const figures = new Map(phases.map((p) => [p.name, figuresOf(p.samples, p.from, p.to)]));
  console.log(
    `migrate-live: ${options.clients} clients (half reading: list and get; half writing: article, comment, ` +
      `favorite, unfavorite) through Gather on PostgreSQL, ${options.articles.toLocaleString('en-US')} ` +
      `articles, ≥ ${options.seconds} s per phase; \`gather db upgrade\` starts ${MARGIN_MS} ms into each`,
  );
  for (const p of phases) {
    const f = figures.get(p.name)!;
    console.log(
      `  ${p.name.padEnd(8)} upgrade ${p.upgradeOk ? 'applied' : 'FAILED'} in ${(p.upgradeMs / 1000).toFixed(1)} s; ` +
        `${f.requests} requests (${f.outcomes}); p50 ${format(f.p50)} ms, p99 ${format(f.p99)} ms, longest ` +
        `${format(f.longest)} ms; longest write ${format(f.longestWrite)} ms, writes blocked ${format(f.writesBlocked)} ms; ` +
        `longest lock wait ${format(p.longestLockWaitMs)} ms`,
    );
    if (!p.upgradeOk) console.log(`    ${p.upgradeOutput.replaceAll('\n', '\n    ')}`);
  }
  console.log('\nmigrate-live: the table for docs/migrations.md\n');
  console.log(
    '| phase | migration | upgrade s | requests | errors | p50 ms | p99 ms | longest ms | longest write ms | writes blocked ms | longest lock wait ms |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of phases) {
    const f = figures.get(p.name)!;
    console.log(
      `| ${p.name} | ${p.migration} | ${(p.upgradeMs / 1000).toFixed(1)} | ${f.requests} | ${f.errors} | ` +
        `${format(f.p50)} | ${format(f.p99)} | ${format(f.longest)} | ${format(f.longestWrite)} | ${format(f.writesBlocked)} | ` +
        `${format(p.longestLockWaitMs)} |`,
    );
  }
  console.log('');
  const [baseline, unsafe, safe] = phases.map((p) => figures.get(p.name)!) as [Figures, Figures, Figures];
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
