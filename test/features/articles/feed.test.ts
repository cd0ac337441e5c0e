// The follow feed exact under each of its plans and both ways of counting: a follow, an unfollow, a new or
// deleted article is in the reader's next read, and articlesCount is right (feed.ts, 0003_feed_counts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type FeedCounts, type FeedPlan, feedPlan } from '../../../src/features/articles/feed.ts';
import { pageWindow } from '../../../src/http/paging.ts';
import { querySpans } from '../../../src/tracing/recorder.ts';
import { call, createArticle, registerUser, type TestUser } from '../../../tools/harness/factories.ts';
import { wrongCounters } from '../../../tools/harness/fuzz/database.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

const firstPage = pageWindow({ limit: 20, offset: 0 });

test('the plan: each followee merged for a few, probes for many prolific, a hash of the follows for many quiet', () => {
  // Readers of the large dataset (1,000,000 articles), their counters as the bench's readers have them.
  const plan = (followees: number, articles: number) =>
    feedPlan({ followees, articles, total: 1_000_000 }, firstPage);
  assert.equal(plan(5, 77), 'byFollowee');
  assert.equal(plan(1_000, 10_028), 'byArticleHashed');
  assert.equal(plan(10_000, 101_067), 'byArticle');
  assert.equal(plan(10_000, 50), 'byFollowee', 'followees who wrote almost nothing');
});

const feedOf = async (reader: TestUser, query = '') => {
  const response = await call(t.app, 'GET', `/api/articles/feed${query}`, { token: reader.token });
  assert.equal(response.status, 200);
  return {
    slugs: response.body.articles.map((a: { slug: string }) => a.slug) as string[],
    count: response.body.articlesCount as number,
  };
};
const follow = (reader: TestUser, author: TestUser, method: 'POST' | 'DELETE' = 'POST') =>
  call(t.app, method, `/api/profiles/${author.username}/follow`, { token: reader.token });

/** The plan the reader's first page takes, from the counters as the feed reads them. */
async function planOf(reader: TestUser): Promise<FeedPlan> {
  const [counts] = await t.database.withSession((session) =>
    session.query<FeedCounts>(
      `select coalesce(c.followees_count, 0) as followees, (coalesce(c.pushed_articles, 0) + coalesce((
         select sum(u.articles_count) from follows f join users u on u.id = f.followee_id
         where f.follower_id = r.id and not f.pushed), 0))::int as articles,
         (select articles_count from article_totals) as total
       from users r left join feed_counts c on c.reader_id = r.id where r.username = $1`,
      [reader.username],
    ),
  );
  return feedPlan(counts!, firstPage);
}

/** A new article by `author` is first in the reader's feed; deleted, it is gone; both counted. */
async function assertExactAfterWrites(reader: TestUser, author: TestUser, slugs: string[]) {
  const added = await createArticle(t.app, author.token);
  assert.deepEqual(await feedOf(reader), {
    slugs: [added.slug, ...slugs].slice(0, 20),
    count: slugs.length + 1,
  });
  await call(t.app, 'DELETE', `/api/articles/${added.slug}`, { token: author.token });
  assert.deepEqual(await feedOf(reader), { slugs: slugs.slice(0, 20), count: slugs.length });
}

test('byArticleHashed: a dozen followees who wrote all there is', async () => {
  const reader = await registerUser(t.app);
  const authors = await Promise.all(Array.from({ length: 12 }, () => registerUser(t.app)));
  const slugs: string[] = [];
  for (const author of authors) slugs.unshift((await createArticle(t.app, author.token)).slug);
  for (const author of authors) await follow(reader, author);
  assert.equal(await planOf(reader), 'byArticleHashed');
  assert.deepEqual(await feedOf(reader), { slugs, count: 12 });
  assert.deepEqual((await feedOf(reader, '?limit=5&offset=5')).slugs, slugs.slice(5, 10));
  await assertExactAfterWrites(reader, authors[3]!, slugs);
  await follow(reader, authors[11]!, 'DELETE');
  assert.deepEqual(await feedOf(reader), { slugs: slugs.slice(1), count: 11 });
  assert.deepEqual(await wrongCounters(t.database), []);
});

test('byArticle: a hundred followees who wrote most articles', async () => {
  const [reader, author] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
  // 99 authors and their articles written directly (99 registrations would take long), then the reader's
  // follows of them: the triggers count each.
  await t.database.withSession(async (session) => {
    await session.query(`insert into users (username, email, password_hash)
      select 'prolific' || n, 'prolific' || n || '@example.com', 'x' from generate_series(1, 99) n`);
    await session.query(`insert into articles (slug, title, description, body, author_id)
      select 'by-' || username, 't', 'd', 'b', id from users where username like 'prolific%' order by id`);
    await session.query(
      `insert into follows (follower_id, followee_id)
      select (select id from users where username = $1), id from users where username like 'prolific%'`,
      [reader!.username],
    );
  });
  await follow(reader!, author!);
  assert.equal(await planOf(reader!), 'byArticle');
  const slugs = Array.from({ length: 99 }, (_, i) => `by-prolific${99 - i}`);
  assert.deepEqual(await feedOf(reader!), { slugs: slugs.slice(0, 20), count: 99 });
  assert.deepEqual((await feedOf(reader!, '?limit=10&offset=90')).slugs, slugs.slice(90));
  await assertExactAfterWrites(reader!, author!, slugs);
  assert.deepEqual(await wrongCounters(t.database), []);
});

test('a scan its cap cut short (followees who stopped writing long ago): the page read byFollowee, in the same statement', async () => {
  const reader = await registerUser(t.app);
  // 100 quiet authors with two old articles each, then 2,000 newer articles by someone else: the counters
  // make the scan of the newest articles look cheap, but none of the newest is the reader's.
  await t.database.withSession(async (session) => {
    await session.query(`insert into users (username, email, password_hash)
      select 'quiet' || n, 'quiet' || n || '@example.com', 'x' from generate_series(0, 100) n`);
    await session.query(`insert into articles (slug, title, description, body, author_id)
      select 'old-' || u.username || '-' || k, 't', 'd', 'b', u.id
      from users u cross join generate_series(1, 2) k where u.username like 'quiet%' and u.username <> 'quiet0'
      order by k, u.id`);
    await session.query(`insert into articles (slug, title, description, body, author_id)
      select 'new-' || n, 't', 'd', 'b', (select id from users where username = 'quiet0')
      from generate_series(1, 2000) n`);
    await session.query(
      `insert into follows (follower_id, followee_id)
      select (select id from users where username = $1), id from users
      where username like 'quiet%' and username <> 'quiet0'`,
      [reader.username],
    );
  });
  assert.notEqual(await planOf(reader), 'byFollowee');
  const newestOld = Array.from({ length: 20 }, (_, i) => `old-quiet${100 - i}-2`);
  assert.deepEqual(await feedOf(reader), { slugs: newestOld, count: 200 });
  const traced = await call(t.app, 'GET', '/api/articles/feed', { token: reader.token });
  const trace = t.traces.get(String(traced.headers['x-trace-id']));
  assert.equal(querySpans(trace!).length, 2, 'the counters, then the page: two round trips');
  assert.deepEqual(await wrongCounters(t.database), []);
});

test('byFollowee: a reader following a few prolific authors', async () => {
  const [reader, author] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
  assert.deepEqual(await feedOf(reader!), { slugs: [], count: 0 }, 'following no one');
  const slugs: string[] = [];
  for (let i = 0; i < 25; i++) slugs.unshift((await createArticle(t.app, author!.token)).slug);
  await follow(reader!, author!);
  assert.equal(await planOf(reader!), 'byFollowee');
  assert.deepEqual(await feedOf(reader!), { slugs: slugs.slice(0, 20), count: 25 });
  await assertExactAfterWrites(reader!, author!, slugs);
  await follow(reader!, author!, 'DELETE');
  assert.deepEqual(await feedOf(reader!), { slugs: [], count: 0 });
});

test("an author's followers past the first 1,000 are pulled: their count reads the author's, still exact", async () => {
  const author = await registerUser(t.app);
  const before = (await createArticle(t.app, author.token)).slug;
  // 1,000 followers written directly (1,000 registrations would take minutes): each follow's trigger pushes.
  await t.database.withSession(async (session) => {
    await session.query(`insert into users (username, email, password_hash)
      select 'crowd' || n, 'crowd' || n || '@example.com', 'x' from generate_series(1, 1000) n`);
    await session.query(
      `insert into follows (follower_id, followee_id)
       select id, (select id from users where username = $1) from users where username like 'crowd%'`,
      [author.username],
    );
  });
  const reader = await registerUser(t.app);
  await follow(reader, author);
  const [row] = await t.database.withSession((session) =>
    session.query<{ pushed: boolean }>(
      'select pushed from follows where follower_id = (select id from users where username = $1)',
      [reader.username],
    ),
  );
  assert.equal(row!.pushed, false, 'the 1,001st follower is pulled');
  assert.deepEqual(await feedOf(reader), { slugs: [before], count: 1 });
  await assertExactAfterWrites(reader, author, [before]);
  await follow(reader, author, 'DELETE');
  assert.deepEqual(await feedOf(reader), { slugs: [], count: 0 });
  assert.deepEqual(await wrongCounters(t.database), []);
});
