// Proof that search can be added to a live board (issue 24; docs/migrations.md): on PostgreSQL with a large
// articles table, a Gather without search's migration (as the version before it) serves clients reading and
// writing, as it would during a deploy, while today's `gather db upgrade` applies 0005_search — its table,
// functions and trigger in one short transaction, then the backfill of every existing article in paced batches.
// Compared with a baseline phase in which the same upgrade finds nothing to apply. Then today's Gather starts on
// the database, and search must answer for the articles seeded before and those written during the backfill.
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { groupDigits } from '../../src/digits.ts';
import { api } from '../harness/api-client.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { startGather, startServer } from '../harness/server-process.ts';
import {
  BASELINE,
  type Figures,
  figuresOf,
  format,
  type LiveOptions,
  livePhases,
  liveProject,
  type Phase,
  printPhases,
  SERVER_APPLICATION,
  seedLive,
  writtenIn,
} from './live-migration.ts';
import { report as reportChecks } from './samples.ts';
import { SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

export type SearchLiveOptions = LiveOptions;

const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url));
const SEARCH_MIGRATION = '0005_search';
const BEFORE_SEARCH = '0004_credentials_version';

/**
 * Gather as it was before search: a copy of this checkout's sources without 0005_search, sharing its
 * node_modules. It starts on a database migrated to 0004 as the previous version did, and its load asks no
 * search of it, so it serves what the version before search served while today's upgrade adds search.
 */
async function gatherWithoutSearch(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gather-without-search-'));
  for (const entry of ['bin', 'src', 'tools', 'bench', 'package.json', 'tsconfig.json']) {
    await cp(join(REPOSITORY, entry), join(dir, entry), { recursive: true });
  }
  await rm(join(dir, 'src/db/migrations', SEARCH_MIGRATION), { recursive: true });
  await symlink(join(REPOSITORY, 'node_modules'), join(dir, 'node_modules'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** What search must answer at the end, asked of today's Gather and of the database. */
async function searchChecks(url: string, databaseUrl: string, written: number) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ missing: number; stale: number; sampled: number }>(
      `SELECT
         (SELECT count(*)::int FROM articles a WHERE NOT EXISTS
            (SELECT 1 FROM article_search s WHERE s.article_id = a.id)) AS missing,
         count(*) FILTER (WHERE s.document IS DISTINCT FROM gather_search_document(a.title, a.description, a.body))::int AS stale,
         count(*)::int AS sampled
       FROM articles a JOIN article_search s ON s.article_id = a.id
       WHERE a.id % 97 = 0 OR a.title LIKE 'livewritten%'`,
    );
    const first = await client.query<{ title: string; author: string }>(
      'SELECT a.title, u.username AS author FROM articles a JOIN users u ON u.id = a.author_id ORDER BY a.id LIMIT 1',
    );
    const { title, author } = first.rows[0]!;
    const during = await api(url, 'GET', `/api/articles?q=${writtenIn('search')}&sort=recent&limit=1`);
    const byTitle = await api(
      url,
      'GET',
      `/api/articles?q=${encodeURIComponent(`"${title}"`)}&author=${encodeURIComponent(author)}&limit=100`,
    );
    return {
      ...rows[0]!,
      duringCount: (during.body as { articlesCount: number }).articlesCount,
      expectedDuring: Math.min(written, 1_000),
      firstFound: (byTitle.body as { articles: { title: string }[] }).articles.some((a) => a.title === title),
    };
  } finally {
    await client.end();
  }
}

export async function run({ articles, seconds, clients }: SearchLiveOptions): Promise<boolean> {
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_search_live');
  const env = scenarioEnv({ DATABASE_URL: database.url });
  // How long Gather waits for a lock before it answers 503: what no request may wait for during the backfill.
  const lockMs = loadConfig({ ...env, NODE_ENV: 'test' }).dbLockTimeoutMs;
  const project = await liveProject(env, BEFORE_SEARCH);
  const before = await gatherWithoutSearch();
  try {
    await project.dbOrThrow('upgrade');
    const seeded = await seedLive('search-live', database.url, articles, 'no search yet');
    const server = await startServer({
      script: join(before.dir, 'bin/gather.js'),
      args: ['serve'],
      env: { ...env, PGAPPNAME: SERVER_APPLICATION },
      ready: /gather: listening on/,
    });
    let phases: Phase[];
    let written: number;
    try {
      const phase = await livePhases(server.url, { project, databaseUrl: database.url, clients, seconds });
      const baseline = await phase(BASELINE.name, BASELINE.migration);
      await cp(
        join(REPOSITORY, 'src/db/migrations', SEARCH_MIGRATION),
        join(project.migrationsDir, SEARCH_MIGRATION),
        { recursive: true },
      );
      const search = await phase('search', `${SEARCH_MIGRATION}: table, trigger, backfill`);
      phases = [baseline, search];
      written = search.samples.filter((s) => s.group.startsWith('write') && s.outcome === '201').length;
    } finally {
      await server.stop();
    }
    const today = await startGather({ env });
    try {
      return report(
        { articles: seeded, seconds, clients },
        lockMs,
        phases,
        await searchChecks(today.url, database.url, written),
      );
    } finally {
      await today.stop();
    }
  } finally {
    await before.remove();
    await project.remove();
    await database.drop();
  }
}

function report(
  options: SearchLiveOptions,
  lockMs: number,
  phases: readonly Phase[],
  found: Awaited<ReturnType<typeof searchChecks>>,
): boolean {
  printPhases(
    'search-live',
    `${options.clients} clients (half reading, half writing) through a Gather without search's migration, ` +
      `on PostgreSQL, ${groupDigits(options.articles)} articles, ≥ ${options.seconds} s per phase; ` +
      "today's `gather db upgrade` starts 1 s into each",
    phases,
  );
  const [baseline, search] = phases.map(figuresOf) as [Figures, Figures];
  const [, searchPhase] = phases as [Phase, Phase];
  return reportChecks('search-live', [
    [baseline.errors === 0, `baseline: ${baseline.errors} errors`],
    [searchPhase.upgradeOk, `${SEARCH_MIGRATION} applied, its backfill finished`],
    [search.errors === 0, `search: ${search.errors} errors (${search.outcomes})`],
    [
      search.p99 <= 2 * baseline.p99,
      `search: p99 ${format(search.p99)} ms ≤ 2 × ${format(baseline.p99)} ms of the baseline`,
    ],
    [
      searchPhase.longestLockWaitMs < lockMs,
      `search: Gather's requests waited ${format(searchPhase.longestLockWaitMs)} ms for a lock at most ` +
        `(< DB_LOCK_TIMEOUT_MS, ${lockMs} ms)`,
    ],
    [found.missing === 0, `every article has its search document: ${found.missing} missing`],
    [
      found.stale === 0,
      `${found.sampled} documents (1 in 97, and every article written during the phases) as today's ` +
        `function makes them: ${found.stale} differ`,
    ],
    [
      found.duringCount === found.expectedDuring,
      `search finds the articles written during the backfill: ${found.duringCount} of ${found.expectedDuring}`,
    ],
    [found.firstFound, "search finds the first seeded article by its title, among its author's"],
  ]);
}
