// What the live-migration scenarios (migrate-live, search-live) share: a project folder of their own whose
// `gather db` applies the migrations they write; clients reading and writing through a running Gather while
// `gather db upgrade` runs once in a phase; the lock waits of Gather's own sessions, sampled; the figures of a
// phase and the table docs/migrations.md shows.
import { readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { groupDigits } from '../../src/digits.ts';
import { largeShape, SEED_PASSWORD, usernameOf } from '../../src/seed/dataset.ts';
import { copyLoader } from '../../src/seed/loader.ts';
import { progressBar } from '../../src/seed/progress.ts';
import { seedWith } from '../../src/seed/seed.ts';
import { api, sleep } from '../harness/api-client.ts';
import { type GatherRun, runGather } from '../harness/server-process.ts';
import { percentile } from '../harness/stats.ts';
import { type Request, type Sample, startClients, tally } from './samples.ts';

export type MigrationFiles = Readonly<{ name: string; up: string; down: string; backfill?: string }>;

/** Gather's own migrations folder, which a scenario's project copies (all of it, or the first ones). */
export const REPO_MIGRATIONS = fileURLToPath(new URL('../../src/db/migrations', import.meta.url));

/**
 * A scenario's own migration, numbered `offset` after Gather's last: it sorts after all of Gather's, so that
 * `gather db downgrade` (the newest first) undoes the scenario's, whatever migrations Gather has gained.
 */
export function afterGathers(offset: number, name: string): string {
  const last = readdirSync(REPO_MIGRATIONS)
    .filter((entry) => /^\d{4}_/.test(entry))
    .reduce((highest, entry) => Math.max(highest, Number(entry.slice(0, 4))), 0);
  return `${String(last + offset).padStart(4, '0')}_${name}`;
}

/** What a live-migration scenario is run with. */
export type LiveOptions = { articles: number; seconds: number; clients: number };

/**
 * Seeds `articles` articles in `gather seed --size large`'s shape into the scenario's database (whatever its
 * migrations made), then checkpoints: the load wrote its size in WAL several times over, and a checkpoint
 * started by max_wal_size in the middle of a phase would flush while the clients commit (a stall that is not
 * the migration's). Says how long it took, as `what`. Returns the articles seeded.
 */
export async function seedLive(scenario: string, databaseUrl: string, articles: number, what: string) {
  const size = largeShape(articles);
  const loader = await copyLoader(databaseUrl);
  const seeded = await seedWith(loader, { size, replace: false, progress: progressBar() });
  await loader.query('CHECKPOINT').finally(() => loader.close());
  console.log(
    `${scenario}: seeded ${groupDigits(size.articles)} articles (${what}) in ` +
      `${(seeded.ms / 1000).toFixed(1)} s`,
  );
  return size.articles;
}

/** Load before the upgrade starts and after it ends, inside each phase. */
export const MARGIN_MS = 1_000;

/** Gather's connections say who they are (node-postgres reads PGAPPNAME), so their lock waits can be told apart. */
export const SERVER_APPLICATION = 'live-migration gather serve';

/** A project folder whose package.json names its migrations folder: `gather db` there applies what it holds. */
export type LiveProject = Readonly<{
  migrationsDir: string;
  db(...args: string[]): Promise<GatherRun>;
  dbOrThrow(...args: string[]): Promise<void>;
  writeMigrations(list: readonly MigrationFiles[]): Promise<void>;
  remove(): Promise<void>;
}>;

/** A project of the scenario's own, with Gather's migrations up to and including `through` (default: all). */
export async function liveProject(env: Record<string, string>, through?: string): Promise<LiveProject> {
  const dir = await mkdtemp(join(tmpdir(), 'gather-live-migration-'));
  const migrationsDir = join(dir, 'migrations');
  const db = (...args: string[]) => runGather(['db', ...args], { cwd: dir, env, timeoutMs: 1_200_000 });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'live-migration', type: 'module', gather: { migrations: 'migrations' } })}\n`,
  );
  await cp(REPO_MIGRATIONS, migrationsDir, {
    recursive: true,
    filter: (source) => {
      const name = source.slice(REPO_MIGRATIONS.length + 1).split('/')[0] ?? '';
      return through === undefined || name === '' || name <= through;
    },
  });
  return {
    migrationsDir,
    db,
    dbOrThrow: async (...args) => {
      const step = await db(...args);
      if (step.code !== 0) throw new Error(`gather db ${args.join(' ')}: ${step.stderr}${step.stdout}`);
    },
    writeMigrations: async (list) => {
      await Promise.all(
        list.map(async ({ name, up, down, backfill }) => {
          await mkdir(join(migrationsDir, name));
          await writeFile(join(migrationsDir, name, 'up.sql'), up);
          await writeFile(join(migrationsDir, name, 'down.sql'), down);
          if (backfill !== undefined) await writeFile(join(migrationsDir, name, 'backfill.sql'), backfill);
        }),
      );
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Samples every 25 ms how long Gather's sessions have been waiting for a lock (pg_locks.waitstart,
 * PostgreSQL 14+); stop() gives the longest wait seen. This is what the migration made live traffic wait,
 * told apart from the CPU and I/O it competed for (which slow requests too, without any lock).
 */
export function watchLockWaits(url: string): { stop(): Promise<number> } {
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

export type Phase = Readonly<{
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

export type Figures = Readonly<{
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

const isWrite = (s: Sample) => s.group.startsWith('write');

export function figuresOf({ samples, from, to }: Phase): Figures {
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
    // reduce, not Math.max(...): a phase as long as a backfill has more samples than the stack has room for.
    longest: ms.reduce((a, b) => Math.max(a, b), 0),
    longestWrite: writes.reduce((a, s) => Math.max(a, s.ms), 0),
    writesBlocked: gap,
  };
}

export const format = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

/** The title every article a writer creates in a phase carries: a word search can find them by. */
export const writtenIn = (phase: string) => `livewritten${phase}`;

/** What the clients need of a running Gather: the writers' tokens and the articles they read and write on. */
type LiveTarget = Readonly<{ url: string; tokens: string[]; slugs: string[] }>;

/** Half of `clients` sign in as seeded users (the writers); the newest articles are the ones they use. */
async function liveTarget(url: string, clients: number): Promise<LiveTarget> {
  const writers = Math.floor(clients / 2);
  const tokens = await Promise.all(
    Array.from({ length: writers }, async (_, i) => {
      const login = await api(url, 'POST', '/api/users/login', {
        body: { user: { email: `${usernameOf(i + 1)}@example.com`, password: SEED_PASSWORD } },
      });
      if (login.status !== 200) throw new Error(`login of ${usernameOf(i + 1)}: ${login.status}`);
      return (login.body as { user: { token: string } }).user.token;
    }),
  );
  const list = await api(url, 'GET', `/api/articles?limit=${clients}`);
  const slugs = (list.body as { articles: { slug: string }[] }).articles.map((a) => a.slug);
  return { url, tokens, slugs };
}

type PhaseSetup = Readonly<{ project: LiveProject; databaseUrl: string; clients: number; seconds: number }>;

/** What the first phase of every scenario migrates: nothing, for the figures the others are held to. */
export const BASELINE = { name: 'baseline', migration: 'none (the upgrade finds nothing to apply)' } as const;

/**
 * A scenario's phases against the Gather at `url`: its writers signed in and one clock, once; then each call
 * runs one phase (`livePhase`) with `gather db upgrade <upgradeArgs>`.
 */
export async function livePhases(url: string, setup: PhaseSetup) {
  const options = { target: await liveTarget(url, setup.clients), ...setup };
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  return (name: string, migration: string, upgradeArgs: string[] = []) =>
    livePhase(options, now, name, migration, upgradeArgs);
}

/**
 * One phase: the clients load Gather (half reading: list and get; half writing: an article, a comment, a
 * favorite and its removal), `gather db upgrade <args>` runs once from MARGIN_MS in, and the load goes on
 * until `seconds` have passed and at least MARGIN_MS after the upgrade.
 */
async function livePhase(
  options: PhaseSetup & Readonly<{ target: LiveTarget }>,
  now: () => number,
  name: string,
  migration: string,
  upgradeArgs: string[],
): Promise<Phase> {
  const { target, project, databaseUrl, clients, seconds } = options;
  const { tokens, slugs } = target;
  const from = now();
  const groups: Record<string, { count: number; next(i: number): Request }> = {
    read: {
      count: clients - tokens.length,
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
      // Every request writes: a new article, a comment, a favorite and its removal (the counters' triggers
      // update the article).
      next: (i): Request =>
        [
          {
            method: 'POST',
            path: '/api/articles',
            token,
            body: {
              article: { title: `${writtenIn(name)} ${w} ${i}`, description: 'd', body: 'b', tagList: [] },
            },
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
  const load = startClients(target.url, groups, now);
  await sleep(MARGIN_MS);
  const started = performance.now();
  const lockWaits = watchLockWaits(databaseUrl);
  const upgrade = await project.db('upgrade', ...upgradeArgs);
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
}

/** Each phase in a line, then the table for docs/migrations.md. */
export function printPhases(scenario: string, heading: string, phases: readonly Phase[]): void {
  console.log(`${scenario}: ${heading}`);
  for (const p of phases) {
    const f = figuresOf(p);
    console.log(
      `  ${p.name.padEnd(8)} upgrade ${p.upgradeOk ? 'applied' : 'FAILED'} in ${(p.upgradeMs / 1000).toFixed(1)} s; ` +
        `${f.requests} requests (${f.outcomes}); p50 ${format(f.p50)} ms, p99 ${format(f.p99)} ms, longest ` +
        `${format(f.longest)} ms; longest write ${format(f.longestWrite)} ms, writes blocked ${format(f.writesBlocked)} ms; ` +
        `longest lock wait ${format(p.longestLockWaitMs)} ms`,
    );
    if (!p.upgradeOk) console.log(`    ${p.upgradeOutput.replaceAll('\n', '\n    ')}`);
  }
  console.log(`\n${scenario}: the table for docs/migrations.md\n`);
  console.log(
    '| phase | migration | upgrade s | requests | errors | p50 ms | p99 ms | longest ms | longest write ms | writes blocked ms | longest lock wait ms |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const p of phases) {
    const f = figuresOf(p);
    console.log(
      `| ${p.name} | ${p.migration} | ${(p.upgradeMs / 1000).toFixed(1)} | ${f.requests} | ${f.errors} | ` +
        `${format(f.p50)} | ${format(f.p99)} | ${format(f.longest)} | ${format(f.longestWrite)} | ${format(f.writesBlocked)} | ` +
        `${format(p.longestLockWaitMs)} |`,
    );
  }
  console.log('');
}
