// What the fuzzer reads of the database: a snapshot of what exists (the values its stateful steps draw
// from), a fingerprint of every row, the counters kept by triggers against the rows they count, and a trim
// that keeps the data small.
import type { Database } from '../../../src/db/database.ts';

export type User = { id: number; username: string; email: string; credentialsVersion: number };
export type Article = { slug: string; title: string; authorId: number };
export type Comment = { id: number; slug: string; authorId: number };

/** What exists when a step is planned, and values that existed earlier and are gone (deleted, renamed). */
export type Snapshot = Readonly<{
  users: User[];
  articles: Article[];
  comments: Comment[];
  tags: string[];
  gone: Readonly<{
    usernames: string[];
    emails: string[];
    slugs: string[];
    titles: string[];
    commentIds: number[];
  }>;
}>;

const NOTHING: Snapshot = {
  users: [],
  articles: [],
  comments: [],
  tags: [],
  gone: { usernames: [], emails: [], slugs: [], titles: [], commentIds: [] },
};
const GONE_KEPT = 20;

/** Values of `before` missing from `now`, after those gone earlier and still missing: the last GONE_KEPT. */
function stillGone<T>(earlier: readonly T[], before: readonly T[], now: readonly T[]): T[] {
  const present = new Set(now);
  return [...new Set([...earlier, ...before])].filter((value) => !present.has(value)).slice(-GONE_KEPT);
}

/** What exists now; what `previous` held and is missing now joins its gone values. */
export async function readSnapshot(database: Database, previous: Snapshot = NOTHING): Promise<Snapshot> {
  const { users, articles, comments, tags } = await database.withSession(async (session) => ({
    users: await session.query<User>(
      'select id, username, email, credentials_version as "credentialsVersion" from users order by id',
    ),
    articles: await session.query<Article>(
      'select slug, title, author_id as "authorId" from articles order by id',
    ),
    comments: await session.query<Comment>(
      'select c.id, a.slug, c.author_id as "authorId" from comments c join articles a on a.id = c.article_id order by c.id',
    ),
    tags: await session.query<{ name: string }>('select name from tags order by name'),
  }));
  const { gone } = previous;
  const usernames = (list: User[]) => list.map((user) => user.username);
  const emails = (list: User[]) => list.map((user) => user.email);
  const slugs = (list: Article[]) => list.map((article) => article.slug);
  const titles = (list: Article[]) => list.map((article) => article.title);
  const ids = (list: Comment[]) => list.map((comment) => comment.id);
  return {
    users,
    articles,
    comments,
    tags: tags.map((row) => row.name),
    gone: {
      usernames: stillGone(gone.usernames, usernames(previous.users), usernames(users)),
      emails: stillGone(gone.emails, emails(previous.users), emails(users)),
      slugs: stillGone(gone.slugs, slugs(previous.articles), slugs(articles)),
      titles: stillGone(gone.titles, titles(previous.articles), titles(articles)),
      commentIds: stillGone(gone.commentIds, ids(previous.comments), ids(comments)),
    },
  };
}

/** Every row of every table, hashed: equal fingerprints mean an unchanged database. */
export async function fingerprinter(database: Database): Promise<() => Promise<string>> {
  const tables = await database.withSession((session) =>
    session.query<{ name: string }>(
      "select tablename as name from pg_tables where schemaname = 'public' order by tablename",
    ),
  );
  const parts = tables.map(
    ({ name }) =>
      `(select count(*) || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') from "${name}" t)`,
  );
  const sql = `select ${parts.join(" || '|' || ")} as fingerprint`;
  return async () => {
    const [row] = await database.withSession((session) => session.query<{ fingerprint: string }>(sql));
    return row!.fingerprint;
  };
}

/** Each counter kept by a trigger (0001_init, 0003_feed_counts), and in how many rows it differs from its rows. */
const WRONG_COUNTERS = `
  select 'users.articles_count' as counter, count(*)::int as wrong from users u
    where articles_count <> (select count(*) from articles a where a.author_id = u.id)
  union all select 'users.favorites_count', count(*)::int from users u
    where favorites_count <> (select count(*) from favorites f where f.user_id = u.id)
  union all select 'articles.favorites_count', count(*)::int from articles a
    where favorites_count <> (select count(*) from favorites f where f.article_id = a.id)
  union all select 'tags.articles_count', count(*)::int from tags t
    where articles_count <> (select count(*) from article_tags x where x.tag_id = t.id)
  union all select 'article_totals.articles_count', count(*)::int from article_totals
    where articles_count <> (select count(*) from articles)
  union all select 'users.pushed_followers', count(*)::int from users u
    where pushed_followers <> (select count(*) from follows f where f.followee_id = u.id and f.pushed)
  union all select 'feed_counts', count(*)::int from feed_counts c
    full join (select f.follower_id as reader_id, count(*) as followees,
                 coalesce(sum(u.articles_count) filter (where f.pushed), 0) as pushed
               from follows f join users u on u.id = f.followee_id group by 1) rows using (reader_id)
    where coalesce(c.followees_count, 0) <> coalesce(rows.followees, 0)
       or coalesce(c.pushed_articles, 0) <> coalesce(rows.pushed, 0)`;

/** The counters unlike the rows they count, one line each: none when the triggers are right. */
export async function wrongCounters(database: Database): Promise<string[]> {
  const rows = await database.withSession((session) =>
    session.query<{ counter: string; wrong: number }>(WRONG_COUNTERS),
  );
  return rows.filter((row) => row.wrong > 0).map((row) => `${row.counter} wrong in ${row.wrong} row(s)`);
}

/** Keeps the data small, so that snapshots and fingerprints stay cheap and collisions likely: the newest
 * users, articles and comments, and always those in `keep`. Cascades and triggers do the rest. */
export async function trim(
  database: Database,
  keep: Readonly<{ userIds: number[]; slug: string; commentId: number }>,
): Promise<void> {
  await database.withSession(async (session) => {
    await session.query(
      'delete from users where id in (select id from users where id <> all($1) order by id desc offset 20)',
      [keep.userIds],
    );
    await session.query(
      'delete from articles where id in (select id from articles where slug <> $1 order by id desc offset 30)',
      [keep.slug],
    );
    await session.query(
      'delete from comments where id in (select id from comments where id <> $1 order by id desc offset 40)',
      [keep.commentId],
    );
  });
}
