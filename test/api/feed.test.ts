// The follow feed exact under both of its plans and both ways of counting: a follow, an unfollow, a new or
// deleted article is in the reader's next read, and articlesCount is right (feed.ts, 0003_feed_counts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { feedPlan } from '../../src/features/articles/feed.ts';
import { pageWindow } from '../../src/http/paging.ts';
import { call, createArticle, registerUser, type TestUser } from '../../tools/harness/factories.ts';
import { wrongCounters } from '../../tools/harness/fuzz/database.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

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

test('a reader whose followees wrote most articles: newest articles probed in the follows, exact after each write', async () => {
  // A fresh database: these 12 articles are all there are, so the page is found byArticle.
  assert.equal(
    feedPlan({ followees: 12, articles: 12, total: 13 }, pageWindow({ limit: 20, offset: 0 })),
    'byArticle',
  );
  const reader = await registerUser(t.app);
  const authors = await Promise.all(Array.from({ length: 12 }, () => registerUser(t.app)));
  const slugs: string[] = [];
  for (const author of authors) slugs.unshift((await createArticle(t.app, author.token)).slug);
  for (const author of authors) await follow(reader, author);
  assert.deepEqual(await feedOf(reader), { slugs, count: 12 });
  assert.deepEqual((await feedOf(reader, '?limit=5&offset=5')).slugs, slugs.slice(5, 10));

  const added = await createArticle(t.app, authors[3]!.token);
  assert.deepEqual(await feedOf(reader), { slugs: [added.slug, ...slugs], count: 13 });
  await call(t.app, 'DELETE', `/api/articles/${added.slug}`, { token: authors[3]!.token });
  assert.deepEqual(await feedOf(reader), { slugs, count: 12 });
  await follow(reader, authors[11]!, 'DELETE');
  assert.deepEqual(await feedOf(reader), { slugs: slugs.slice(1), count: 11 });
  assert.deepEqual(await wrongCounters(t.database), []);
});

test('a reader following a few prolific authors: the newest of each followee merged, exact after each write', async () => {
  assert.equal(
    feedPlan({ followees: 1, articles: 30, total: 60 }, pageWindow({ limit: 20, offset: 0 })),
    'byFollowee',
  );
  const [reader, author] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
  assert.deepEqual(await feedOf(reader), { slugs: [], count: 0 }, 'following no one');
  const slugs: string[] = [];
  for (let i = 0; i < 25; i++) slugs.unshift((await createArticle(t.app, author!.token)).slug);
  await follow(reader!, author!);
  assert.deepEqual(await feedOf(reader!), { slugs: slugs.slice(0, 20), count: 25 });
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
    await session.query(`insert into follows (follower_id, followee_id)
      select id, (select id from users where username = '${author.username}') from users where username like 'crowd%'`);
  });
  const reader = await registerUser(t.app);
  await follow(reader, author);
  const [row] = await t.database.withSession((session) =>
    session.query<{ pushed: boolean }>(
      `select pushed from follows where follower_id = (select id from users where username = '${reader.username}')`,
    ),
  );
  assert.equal(row!.pushed, false, 'the 1,001st follower is pulled');
  assert.deepEqual(await feedOf(reader), { slugs: [before], count: 1 });
  const added = (await createArticle(t.app, author.token)).slug;
  assert.deepEqual(await feedOf(reader), { slugs: [added, before], count: 2 });
  await follow(reader, author, 'DELETE');
  assert.deepEqual(await feedOf(reader), { slugs: [], count: 0 });
  assert.deepEqual(await wrongCounters(t.database), []);
});
