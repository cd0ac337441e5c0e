// Seeds a migrated database (opened through boot.ts) with a generated dataset: every table by COPY in one
// transaction with the counter triggers off, the rows carrying their counters (counted as they are drawn).
// Idempotent: a database whose row counts already match the size is left as it is.
import { CommandError } from '../command-error.ts';
import type { Database } from '../db/database.ts';
import { DATASET_END, firstSeededTitle, generate, type SeedSize } from './dataset.ts';
import { copyLoader, insertLoader, type Loader } from './loader.ts';
import type { Progress } from './progress.ts';

export class SeedError extends CommandError {
  override name = 'SeedError';
}
export type SeedOptions = Readonly<{
  size: SeedSize;
  /** Empty a database that holds other data first (otherwise that is refused). */
  replace: boolean;
  progress: Progress;
}>;
export type SeedResult = { status: 'reused' | 'loaded'; counts: SeedSize; ms: number };

/** Triggers that keep the counters (0001_init, 0003_feed_counts); off during the load, whose rows carry
 * their counters. */
const COUNTER_TRIGGERS = [
  ['articles', 'articles_count'],
  ['favorites', 'favorites_count'],
  ['article_tags', 'article_tags_count'],
  ['follows', 'follows_count'],
] as const;

/**
 * Search's table (0005_search): its trigger off during the load, then filled before its indexes are made.
 * Making the documents is most of a large seed (PostgreSQL's parser and stemmer, ~200 µs an article), and
 * PostgreSQL runs a CREATE TABLE … AS in parallel workers where INSERT … SELECT runs on one core: the
 * documents are made into a table of this transaction's, then copied. Absent from a database migrated only as
 * far as 0004 (the search-live scenario seeds one, for the migration to add search to).
 */
const SEARCH = {
  table: 'article_search',
  trigger: ['articles', 'articles_search'],
  fill: [
    `CREATE TEMPORARY TABLE "seeded_documents" ON COMMIT DROP AS
      SELECT "id", "gather_search_document"("title", "description", "body") AS "document" FROM "articles"`,
    `INSERT INTO "article_search" ("article_id", "document") SELECT "id", "document" FROM "seeded_documents"`,
  ],
} as const;

/** The counters the generated rows do not carry (dataset.ts counts the others as it draws them): the total,
 * and the feeds' (computed from the loaded rows by the function 0003_feed_counts made for its backfill). */
const COMPUTED_COUNTERS = [
  `UPDATE "article_totals" SET "articles_count" = (SELECT count(*) FROM "articles") WHERE "id" = 1`,
  'SELECT "gather_rebuild_feed_counts"()',
];

/** Identity sequences continue after the loaded ids, so the API's inserts do not collide. */
const RESET_SEQUENCES = ['users', 'tags', 'articles', 'comments']
  .map(
    (t) =>
      `SELECT setval(pg_get_serial_sequence('"${t}"', 'id'), coalesce((SELECT max("id") FROM "${t}"), 0) + 1, false);`,
  )
  .join('\n');

export async function countRows(loader: Loader): Promise<SeedSize> {
  const [row] = await loader.query<Record<keyof SeedSize, number>>(`SELECT
    (SELECT count(*)::int FROM "users") AS users, (SELECT count(*)::int FROM "articles") AS articles,
    (SELECT count(*)::int FROM "tags") AS tags, (SELECT count(*)::int FROM "comments") AS comments,
    (SELECT count(*)::int FROM "favorites") AS favorites, (SELECT count(*)::int FROM "follows") AS follows`);
  return row!;
}

const sameCounts = (a: SeedSize, b: SeedSize) =>
  (Object.keys(a) as (keyof SeedSize)[]).every((key) => a[key] === b[key]);

/**
 * Runs `fn` with a loader on the database: on PGlite its own session; on PostgreSQL a connection of its own
 * to the same database (`databaseUrl`), since COPY needs the raw connection.
 */
async function withLoader<T>(
  database: Pick<Database, 'withSession'>,
  databaseUrl: string | undefined,
  fn: (loader: Loader) => Promise<T>,
): Promise<T> {
  if (databaseUrl === undefined) return database.withSession((session) => fn(insertLoader(session)));
  const loader = await copyLoader(databaseUrl);
  try {
    return await fn(loader);
  } finally {
    await loader.close();
  }
}

/**
 * The seeded tables' foreign keys and the indexes that back no constraint, read from the catalogs (whatever
 * the migrations made), each as the statement that drops it and the one that makes it again: dropped for
 * the load and made after it, one sorted build per index and one join per key instead of an index insertion
 * and a parent-row lock per row (what pg_restore does). Foreign keys first, so they are dropped first.
 */
function deferredSql(tables: readonly string[]): string {
  const list = `ARRAY[${tables.map((t) => `'"${t}"'`).join(', ')}]::regclass[]`;
  return `
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS "drop",
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS "make",
       1 AS "order"
  FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(${list})
UNION ALL
SELECT format('DROP INDEX %s', indexrelid::regclass), pg_get_indexdef(indexrelid), 2
  FROM pg_index i WHERE indrelid = ANY(${list})
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 3`;
}

async function load(loader: Loader, options: SeedOptions): Promise<void> {
  const tables = generate(options.size);
  await loader.query('BEGIN');
  try {
    // Always, even when empty: COPY … FREEZE (PostgreSQL) needs tables truncated in this transaction.
    await loader.query('TRUNCATE "users", "tags" RESTART IDENTITY CASCADE');
    const [search] = await loader.query<{ present: boolean }>(
      `SELECT to_regclass('"${SEARCH.table}"') IS NOT NULL AS "present"`,
    );
    const searchable = search?.present === true;
    const triggers = searchable ? [...COUNTER_TRIGGERS, SEARCH.trigger] : COUNTER_TRIGGERS;
    for (const [table, trigger] of triggers)
      await loader.query(`ALTER TABLE "${table}" DISABLE TRIGGER "${trigger}"`);
    const deferred = await loader.query<{ drop: string; make: string }>(
      deferredSql([...tables.map(({ table }) => table), ...(searchable ? [SEARCH.table] : [])]),
    );
    for (const { drop } of deferred) await loader.query(drop);
    for (const { table, columns, rows, chunks } of tables) {
      options.progress.update(table, 0, rows);
      await loader.load(table, columns, chunks(), (done) => options.progress.update(table, done, rows));
      options.progress.finish(table);
    }
    if (searchable) {
      await timed(options.progress, 'search', 'search documents made', async () => {
        for (const statement of SEARCH.fill) await loader.query(statement);
      });
    }
    await timed(
      options.progress,
      'constraints',
      `${deferred.length} indexes and foreign keys made`,
      async () => {
        for (const { make } of [...deferred].reverse()) await loader.query(make);
      },
    );
    for (const [table, trigger] of triggers)
      await loader.query(`ALTER TABLE "${table}" ENABLE TRIGGER "${trigger}"`);
    for (const statement of COMPUTED_COUNTERS) await loader.query(statement);
    await loader.exec(RESET_SEQUENCES);
    await loader.query('COMMIT');
  } catch (error) {
    await loader.query('ROLLBACK');
    throw error;
  }
  // Fresh statistics, so the first queries after a load get the plans the data calls for; and a
  // visibility map, so index-only scans (tag pages, favorites) skip the heap from the first request.
  await timed(options.progress, 'vacuum', 'VACUUM ANALYZE', () => loader.query('VACUUM ANALYZE'));
}

/** Runs a step of the load and says how long it took. */
async function timed(progress: Progress, label: string, text: string, step: () => Promise<unknown>) {
  const started = performance.now();
  await step();
  progress.step(label, `${text} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Whether the seeded text is this version's (an earlier Gather seeded other words into as many rows). */
async function sameText(loader: Loader, size: SeedSize): Promise<boolean> {
  if (size.articles === 0) return true;
  const [first] = await loader.query<{ title: string }>('SELECT title FROM articles WHERE id = 1');
  return first?.title === firstSeededTitle(size);
}

/** Seeds through `loader` (a migrated database); reuses a database that already holds this seed. */
export async function seedWith(loader: Loader, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const before = await countRows(loader);
  if (sameCounts(before, options.size) && (await sameText(loader, options.size)))
    return { status: 'reused', counts: before, ms: performance.now() - started };
  if (before.users + before.tags > 0 && !options.replace) {
    throw new SeedError(
      `the database already holds data (${before.users} users, ${before.articles} articles) that is not ` +
        'this seed; use --replace to empty it first (this deletes every row)',
    );
  }
  await load(loader, options);
  return { status: 'loaded', counts: await countRows(loader), ms: performance.now() - started };
}

/** Seeds the open database (`databaseUrl`: where it is on PostgreSQL, undefined on PGlite). */
export async function seedDatabase(
  database: Pick<Database, 'withSession'>,
  databaseUrl: string | undefined,
  options: SeedOptions,
): Promise<SeedResult> {
  return withLoader(database, databaseUrl, (loader) => seedWith(loader, options));
}

/** The tables the API writes to, counters included. */
const WRITTEN_TABLES = [
  'article_totals',
  'users',
  'feed_counts',
  'follows',
  'tags',
  'articles',
  'article_tags',
  'favorites',
  'comments',
]
  .map((table) => `"${table}"`)
  .join(', ');

/**
 * Deletes what was written through the API after the seed (rows past the seeded ids or dated after
 * DATASET_END), so a benchmark's writes do not spoil the next run's "counts match", then vacuums. Triggers
 * keep the counters exact.
 */
export async function trimToSeed(
  database: Database,
  databaseUrl: string | undefined,
  size: SeedSize,
): Promise<void> {
  const end = DATASET_END.toISOString();
  await withLoader(database, databaseUrl, (loader) =>
    loader.exec(`BEGIN;
      DELETE FROM "favorites" WHERE "created_at" >= '${end}';
      DELETE FROM "follows" WHERE "created_at" >= '${end}';
      DELETE FROM "comments" WHERE "id" > ${size.comments};
      DELETE FROM "articles" WHERE "id" > ${size.articles};
      DELETE FROM "users" WHERE "id" > ${size.users};
      DELETE FROM "tags" WHERE "id" > ${size.tags};
      COMMIT;`),
  );
  // What the writes left dead goes before the next reads: where autovacuum is off or late, one counter row
  // updated per article written (article_totals) grows to thousands of dead versions that every count reads.
  // INDEX_CLEANUP ON: by default VACUUM leaves the index entries of a few deleted rows (under 2 % of the pages)
  // in place, and the newest end of articles_pkey, where every list page starts, held 87,000 dead ones.
  await withLoader(database, databaseUrl, (loader) =>
    loader.query(`VACUUM (ANALYZE, INDEX_CLEANUP ON) ${WRITTEN_TABLES}`),
  );
}
