// The seeder (`gather seed`, and the benchmark's dataset): exact row counts, counters that agree with the
// rows, idempotent, refuses to mix with other data, and the seeded users can log in.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SEED_PASSWORD, SIZES, usernameOf } from '../../src/seed/dataset.ts';
import { insertLoader, MAX_INSERT_PARAMETERS } from '../../src/seed/loader.ts';
import { silentProgress } from '../../src/seed/progress.ts';
import { countRows, SeedError, type SeedOptions, seedWith, trimToSeed } from '../../src/seed/seed.ts';
import { call, registerUser } from '../../tools/harness/factories.ts';
import { wrongCounters } from '../../tools/harness/fuzz/database.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

const options: SeedOptions = { size: SIZES.demo, replace: false, progress: silentProgress };

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

const seedHere = (opts: SeedOptions) =>
  t.database.withSession((session) => seedWith(insertLoader(session), opts));
const rows = <T extends Record<string, unknown>>(sql: string) =>
  t.database.withSession((session) => session.query<T>(sql));

test('the demo seed loads exactly its rows, with counters that match them', async () => {
  const result = await seedHere(options);
  assert.equal(result.status, 'loaded');
  assert.deepEqual(result.counts, SIZES.demo);

  assert.deepEqual(await wrongCounters(t.database), []);
  const perArticle = await rows<{ tags: number }>(
    'select count(*)::int as tags from article_tags group by article_id order by 1',
  );
  assert.ok(perArticle[0]!.tags >= 1 && perArticle.at(-1)!.tags <= 5, 'each article has 1 to 5 tags');
  // Search (0005_search): one document per article, the one its trigger would have made.
  const [search] = await rows<{ documents: number; wrong: number }>(
    `select count(*)::int as documents, (count(*) filter (where s.document is distinct from
       gather_search_document(a.title, a.description, a.body)))::int as wrong
     from articles a left join article_search s on s.article_id = a.id`,
  );
  assert.deepEqual(search, { documents: SIZES.demo.articles, wrong: 0 });
});

test('seeding again reuses the data; other data is refused without replace', async () => {
  assert.equal((await seedHere(options)).status, 'reused');
  await registerUser(t.app);
  await assert.rejects(seedHere(options), SeedError);
  const replaced = await seedHere({ ...options, replace: true });
  assert.equal(replaced.status, 'loaded');
  assert.deepEqual(replaced.counts, SIZES.demo);
});

test("an earlier version's text in as many rows is not this seed: refused without replace, reloaded with it", async () => {
  await rows("update articles set title = 'Word salad from an earlier seed' where id = 1 returning id");
  await assert.rejects(seedHere(options), SeedError);
  assert.equal((await seedHere({ ...options, replace: true })).status, 'loaded');
  assert.equal((await seedHere(options)).status, 'reused');
});

test('a seeded user logs in, and the API sees the seeded articles; new ids do not collide', async () => {
  const login = await call(t.app, 'POST', '/api/users/login', {
    body: { user: { email: `${usernameOf(1)}@example.com`, password: SEED_PASSWORD } },
  });
  assert.equal(login.status, 200);
  const list = await call(t.app, 'GET', '/api/articles?limit=5');
  assert.equal(list.body.articlesCount, SIZES.demo.articles);
  assert.equal(list.body.articles.length, 5);
  const created = await call(t.app, 'POST', '/api/articles', {
    token: login.body.user.token,
    body: { article: { title: 'After the seed', description: 'd', body: 'b', tagList: [] } },
  });
  assert.equal(created.status, 201);
});

test('trimToSeed removes what the API wrote after the seed, its counters with it', async () => {
  const login = await call(t.app, 'POST', '/api/users/login', {
    body: { user: { email: `${usernameOf(2)}@example.com`, password: SEED_PASSWORD } },
  });
  const token = login.body.user.token;
  const reader = await registerUser(t.app);
  await call(t.app, 'POST', `/api/profiles/${usernameOf(2)}/follow`, { token: reader.token });
  await call(t.app, 'POST', '/api/articles', {
    token,
    body: { article: { title: 'To be trimmed', description: 'd', body: 'b', tagList: ['trimmed'] } },
  });
  await trimToSeed(t.database, t.config.databaseUrl, SIZES.demo);
  assert.deepEqual(await t.database.withSession((session) => countRows(insertLoader(session))), SIZES.demo);
  assert.deepEqual(await wrongCounters(t.database), []);
});

test('the insert loader splits a chunk whose parameters pass what one INSERT takes (PGlite: 32,767)', async () => {
  const columns = ['id', 'name', 'articles_count'];
  const tagRows = Array.from({ length: Math.ceil(MAX_INSERT_PARAMETERS / columns.length) + 5 }, (_, i) => [
    1_000_000 + i,
    `split-${i}`,
    0,
  ]);
  const seen: number[] = [];
  await t.database.withSession((session) =>
    insertLoader(session).load('tags', columns, [tagRows], (done) => seen.push(done)),
  );
  assert.deepEqual(seen, [tagRows.length], 'progress counts the chunk once');
  const [count] = await rows<{ n: number }>("select count(*)::int as n from tags where name like 'split-%'");
  assert.equal(count!.n, tagRows.length);
  await rows("delete from tags where name like 'split-%'");
});
