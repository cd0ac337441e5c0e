// Races: many requests that touch the same row at the same moment. Counters, unique keys and
// idempotent writes must come out exact, with no 5xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { count, eq } from '../../src/db/orm.ts';
import { articles, favorites, follows, users } from '../../src/db/schema/index.ts';
import { createTokenService } from '../../src/http/auth.ts';
import {
  call,
  createArticle,
  registerUser,
  type TestUser,
  uniqueName,
} from '../../tools/harness/factories.ts';
import { bootTestApp, TEST_JWT_SECRET, type TestApp } from '../../tools/harness/test-app.ts';

let t: TestApp;
let author: TestUser;
before(async () => {
  t = await bootTestApp();
  author = await registerUser(t.app);
});
after(() => t.close());

const tokens = createTokenService(TEST_JWT_SECRET, '1h');

/** Users inserted straight into the table (registration hashes a password for ~80 ms each; not tested here). */
async function insertUsers(n: number): Promise<{ id: number; username: string; token: string }[]> {
  const values = Array.from({ length: n }, () => {
    const username = uniqueName('racer');
    return { username, email: `${username}@example.com`, passwordHash: 'not-a-hash' };
  });
  const rows = await t.database.db
    .insert(users)
    .values(values)
    .returning({ id: users.id, username: users.username });
  return rows.map((row) => ({ ...row, token: tokens.sign(row.id, 0) }));
}

async function favoriteRows(slug: string): Promise<number> {
  const [row] = await t.database.db
    .select({ n: count() })
    .from(favorites)
    .innerJoin(articles, eq(articles.id, favorites.articleId))
    .where(eq(articles.slug, slug));
  return row!.n;
}

const statuses = (responses: { status: number }[]) => responses.map((r) => r.status);

test('200 users favorite one article at once: favoritesCount 200 and 200 rows', async () => {
  const article = await createArticle(t.app, author.token);
  const racers = await insertUsers(200);
  const responses = await Promise.all(
    racers.map((racer) =>
      call(t.app, 'POST', `/api/articles/${article.slug}/favorite`, { token: racer.token }),
    ),
  );
  assert.deepEqual(new Set(statuses(responses)), new Set([200]));
  const read = await call(t.app, 'GET', `/api/articles/${article.slug}`);
  assert.equal(read.body.article.favoritesCount, 200);
  assert.equal(await favoriteRows(article.slug), 200);

  const undone = await Promise.all(
    racers.map((racer) =>
      call(t.app, 'DELETE', `/api/articles/${article.slug}/favorite`, { token: racer.token }),
    ),
  );
  assert.deepEqual(new Set(statuses(undone)), new Set([200]));
  assert.equal((await call(t.app, 'GET', `/api/articles/${article.slug}`)).body.article.favoritesCount, 0);
  assert.equal(await favoriteRows(article.slug), 0);
});

test('one user favorites one article 20 times at once: count 1, one row', async () => {
  const article = await createArticle(t.app, author.token);
  const [fan] = await insertUsers(1);
  const url = `/api/articles/${article.slug}/favorite`;
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => call(t.app, 'POST', url, { token: fan!.token })),
  );
  assert.deepEqual(new Set(statuses(responses)), new Set([200]));
  assert.ok(responses.every((r) => r.body.article.favorited === true));
  assert.equal((await call(t.app, 'GET', `/api/articles/${article.slug}`)).body.article.favoritesCount, 1);
  assert.equal(await favoriteRows(article.slug), 1);

  await Promise.all(Array.from({ length: 20 }, () => call(t.app, 'DELETE', url, { token: fan!.token })));
  assert.equal((await call(t.app, 'GET', `/api/articles/${article.slug}`)).body.article.favoritesCount, 0);
});

test('50 articles with one title created at once: 50 distinct slugs, all 201', async () => {
  const title = uniqueName('Same title ');
  const body = { article: { title, description: 'd', body: 'b' } };
  const responses = await Promise.all(
    Array.from({ length: 50 }, () => call(t.app, 'POST', '/api/articles', { token: author.token, body })),
  );
  assert.deepEqual(new Set(statuses(responses)), new Set([201]));
  const slugs = new Set(responses.map((r) => r.body.article.slug));
  assert.equal(slugs.size, 50);
  const [row] = await t.database.db.select({ n: count() }).from(articles).where(eq(articles.title, title));
  assert.equal(row!.n, 50);
});

test('one email registered 20 times at once: one 201, nineteen 422 "email has already been taken"', async () => {
  const email = `${uniqueName('twin')}@example.com`;
  const responses = await Promise.all(
    Array.from({ length: 20 }, () =>
      call(t.app, 'POST', '/api/users', {
        body: { user: { username: uniqueName('twin'), email, password: 'password123' } },
      }),
    ),
  );
  assert.equal(statuses(responses).filter((s) => s === 201).length, 1);
  const refused = responses.filter((r) => r.status !== 201);
  assert.equal(refused.length, 19);
  for (const response of refused) {
    assert.equal(response.status, 422);
    assert.deepEqual(response.body, { errors: { body: ['email has already been taken'] } });
  }
  const [row] = await t.database.db.select({ n: count() }).from(users).where(eq(users.email, email));
  assert.equal(row!.n, 1);
});

test('following 20 times at once makes one row; unfollowing 20 times at once removes it', async () => {
  const [follower, followee] = await insertUsers(2);
  const url = `/api/profiles/${followee!.username}/follow`;
  const rowsNow = async () =>
    (await t.database.db.select({ n: count() }).from(follows).where(eq(follows.followerId, follower!.id)))[0]!
      .n;

  const followed = await Promise.all(
    Array.from({ length: 20 }, () => call(t.app, 'POST', url, { token: follower!.token })),
  );
  assert.deepEqual(new Set(statuses(followed)), new Set([200]));
  assert.ok(followed.every((r) => r.body.profile.following === true));
  assert.equal(await rowsNow(), 1);

  const unfollowed = await Promise.all(
    Array.from({ length: 20 }, () => call(t.app, 'DELETE', url, { token: follower!.token })),
  );
  assert.deepEqual(new Set(statuses(unfollowed)), new Set([200]));
  assert.ok(unfollowed.every((r) => r.body.profile.following === false));
  assert.equal(await rowsNow(), 0);
});
