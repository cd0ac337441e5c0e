// The rows the extra cases of `npm run bench -- --scale` add to a dataset by SQL, and their removal. Follows
// are dated now() and tags take ids past the seed's, so trimToSeed (src/seed/seed.ts) removes whatever a run
// left behind at the next run's start. Rows are only inserted and deleted: the triggers, whatever they are,
// keep every counter exact (no counter column is written here). Each addition ends with ANALYZE, as
// autovacuum would soon do: the figures are those of the grown data, not of stale statistics.
import pg from 'pg';
import { DATASET_END, type SeedSize } from '../../src/seed/dataset.ts';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The `n` highest seeded user ids that follow nobody (the seed's follows lean on the first users). */
export async function readersFollowingNobody(url: string, size: SeedSize, n: number): Promise<number[]> {
  const sql = `SELECT id FROM users u WHERE id <= $1
    AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = u.id) ORDER BY id DESC LIMIT $2`;
  const ids = await withClient(url, async (c) => (await c.query<{ id: number }>(sql, [size.users, n])).rows);
  if (ids.length < n) throw new Error(`fewer than ${n} seeded users follow nobody`);
  return ids.map((row) => row.id);
}

/**
 * `reader` follows `n` of the seeded users, never itself, drawn at random but always the same ones (ordered by
 * a hash of the pair).
 */
export async function follow(url: string, size: SeedSize, reader: number, n: number): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(
      `INSERT INTO follows (follower_id, followee_id, created_at)
       SELECT $1::int, id, now() FROM users WHERE id <= $2 AND id <> $1::int
       ORDER BY md5($1::int || ':' || id) LIMIT $3`,
      [reader, size.users, n],
    );
    await c.query('ANALYZE follows');
  });
}

/** Every other user follows `author` (those who did already stay as they were); returns its followers. */
export async function followedByAll(url: string, author: number): Promise<number> {
  return withClient(url, async (c) => {
    await c.query(
      `INSERT INTO follows (follower_id, followee_id, created_at)
       SELECT id, $1::int, now() FROM users WHERE id <> $1::int ON CONFLICT DO NOTHING`,
      [author],
    );
    await c.query('ANALYZE follows');
    const sql = 'SELECT count(*)::int AS n FROM follows WHERE followee_id = $1';
    return (await c.query<{ n: number }>(sql, [author])).rows[0]!.n;
  });
}

/** The highest seeded user id that nobody follows, other than `except`. */
export async function unfollowedUser(url: string, size: SeedSize, except: number): Promise<number> {
  const sql = `SELECT id FROM users u WHERE id <= $1 AND id <> $2
    AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.followee_id = u.id) ORDER BY id DESC LIMIT 1`;
  const [row] = await withClient(
    url,
    async (c) => (await c.query<{ id: number }>(sql, [size.users, except])).rows,
  );
  if (row === undefined) throw new Error('every seeded user has followers');
  return row.id;
}

/**
 * `n` tags more (`extra-tag-<n>`, names the seed never makes), each in use on one article; their ids come
 * from the tags' sequence, past the seed's. Returns the tags in use after.
 */
export async function addTags(url: string, size: SeedSize, n: number): Promise<number> {
  return withClient(url, async (c) => {
    await c.query('BEGIN');
    await c.query(`INSERT INTO tags (name) SELECT 'extra-tag-' || n FROM generate_series(1, $1) n`, [n]);
    await c.query(
      `INSERT INTO article_tags (article_id, tag_id)
       SELECT 1 + (id::bigint * 7919) % $2, id FROM tags WHERE id > $1 AND name LIKE 'extra-tag-%'`,
      [size.tags, size.articles],
    );
    await c.query('COMMIT');
    await c.query('ANALYZE tags, article_tags');
    const sql = 'SELECT count(*)::int AS n FROM tags WHERE articles_count > 0';
    return (await c.query<{ n: number }>(sql)).rows[0]!.n;
  });
}

/** Removes the follows added above (dated after the seed). */
export async function removeAddedFollows(url: string): Promise<void> {
  await withClient(url, (c) => c.query('DELETE FROM follows WHERE created_at >= $1', [DATASET_END]));
}

/** Removes the tags added above (past the seed's ids); their article_tags rows go with them (cascade). */
export async function removeAddedTags(url: string, size: SeedSize): Promise<void> {
  await withClient(url, (c) => c.query('DELETE FROM tags WHERE id > $1', [size.tags]));
}
