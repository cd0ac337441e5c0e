// Search (GET /api/articles?q=): the English and Korean test sets (search-cases.ts), each query's exact set of
// articles; ranking (title over description over body, newer first on a tie) and sort=recent; the filters and
// paging beside it; writes searchable at once; the count's cap; and what is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEARCH_LIMIT } from '../../../src/features/articles/article-search.ts';
import { call, createArticle, registerUser, type TestUser } from '../../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';
import {
  ENGLISH_ARTICLES,
  ENGLISH_CASES,
  KOREAN_ARTICLES,
  KOREAN_CASES,
  RANKING,
  type SearchCase,
} from './search-cases.ts';

let t: TestApp;
let writer: TestUser;
/** The test sets' keys, by the slug each article was given. */
const keyOfSlug = new Map<string, string>();

before(async () => {
  t = await bootTestApp();
  writer = await registerUser(t.app);
  // One at a time: ids, and so recency, follow the sets' order.
  for (const article of [...ENGLISH_ARTICLES, ...KOREAN_ARTICLES]) {
    const { key, tags, ...fields } = article;
    const created = await createArticle(t.app, writer.token, { ...fields, tagList: tags ?? [] });
    keyOfSlug.set(created.slug, key);
  }
});
after(() => t.close());

const search = (query: string) => call(t.app, 'GET', `/api/articles?${query}`);

/** The keys a search finds, in its order (every page of 100). */
async function keysFound(params: Record<string, string>): Promise<string[]> {
  const response = await search(new URLSearchParams({ ...params, limit: '100' }).toString());
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const slugs = (response.body.articles as { slug: string }[]).map((article) => article.slug);
  assert.equal(response.body.articlesCount, slugs.length);
  return slugs.map((slug) => keyOfSlug.get(slug) ?? slug);
}

function checkCase({ q, finds, notFinds, why }: SearchCase) {
  test(`${q} (${why})`, async () => {
    const found = await keysFound({ q });
    assert.deepEqual([...found].sort(), [...finds].sort());
    for (const key of notFinds) assert.ok(!found.includes(key), `${key} must not be found`);
  });
}

describe('English: stems, stop words, phrases, exclusions, or', () => {
  for (const searchCase of ENGLISH_CASES) checkCase(searchCase);
});

describe('Korean: a word matches it with its particles', () => {
  for (const searchCase of KOREAN_CASES) checkCase(searchCase);
});

describe('order', () => {
  test('by relevance: a match in the title, then in the description, then in the body', async () => {
    assert.deepEqual(await keysFound({ q: RANKING.q }), RANKING.order);
  });

  test('sort=recent: newest first, and the Link header pages by cursor', async () => {
    const recent = await keysFound({ q: RANKING.q, sort: 'recent' });
    assert.deepEqual(
      recent,
      [...RANKING.order].sort((a, b) => order(b) - order(a)),
    );
    const first = await search(`q=${RANKING.q}&sort=recent&limit=1`);
    assert.match(String(first.headers.link), /cursor=before%3A\d+>; rel="next"/);
  });

  test('equal relevance: the newer article first', async () => {
    const word = 'quokkarelevance';
    const older = await createArticle(t.app, writer.token, { title: `The ${word} story` });
    const newer = await createArticle(t.app, writer.token, { title: `Another ${word} story` });
    const response = await search(`q=${word}`);
    assert.deepEqual(
      response.body.articles.map((article: { slug: string }) => article.slug),
      [newer.slug, older.slug],
    );
  });
});

/** Where an article of the test sets was written: later is newer. */
const order = (key: string) => [...keyOfSlug.values()].indexOf(key);

describe('beside the list', () => {
  test('a write is searchable at once, in its new words, and not in its old ones', async () => {
    const article = await createArticle(t.app, writer.token, { title: 'Wombatgrams for beginners' });
    assert.equal((await search('q=wombatgram')).body.articlesCount, 1);
    const updated = await call(t.app, 'PUT', `/api/articles/${article.slug}`, {
      token: writer.token,
      body: { article: { title: 'Numbatgrams for beginners' } },
    });
    assert.equal(updated.status, 200);
    assert.equal((await search('q=wombatgram')).body.articlesCount, 0);
    assert.equal((await search('q=numbatgrams')).body.articlesCount, 1);
    await call(t.app, 'DELETE', `/api/articles/${updated.body.article.slug}`, { token: writer.token });
    assert.equal((await search('q=numbatgrams')).body.articlesCount, 0);
  });

  test('combines with tag and author; items carry no body, as in the list', async () => {
    const other = await registerUser(t.app);
    await createArticle(t.app, other.token, { title: 'Platypusware in practice', tagList: ['mammals'] });
    await createArticle(t.app, writer.token, { title: 'Platypusware at scale', tagList: ['scale'] });
    assert.equal((await search('q=platypusware')).body.articlesCount, 2);
    const byTag = await search('q=platypusware&tag=mammals');
    assert.deepEqual(
      byTag.body.articles.map((article: { title: string }) => article.title),
      ['Platypusware in practice'],
    );
    const byAuthor = await search(`q=platypusware&author=${writer.username}`);
    assert.deepEqual(
      byAuthor.body.articles.map((article: { title: string }) => article.title),
      ['Platypusware at scale'],
    );
    assert.equal(byAuthor.body.articles[0].body, undefined);
  });

  test(`articlesCount is capped at ${SEARCH_LIMIT}, and offset pages within the cap`, async () => {
    await t.database.withSession((session) =>
      session.exec(`INSERT INTO "articles" ("slug", "title", "description", "body", "author_id")
        SELECT 'capybara-' || n, 'Capybara number ' || n, 'd', 'b', (SELECT id FROM users LIMIT 1)
        FROM generate_series(1, ${SEARCH_LIMIT + 5}) AS n`),
    );
    const first = await search('q=capybara&limit=10');
    assert.equal(first.body.articlesCount, SEARCH_LIMIT);
    const last = await search(`q=capybara&limit=10&offset=${SEARCH_LIMIT - 3}`);
    assert.equal(last.body.articles.length, 3);
    const past = await search(`q=capybara&limit=10&offset=${SEARCH_LIMIT}`);
    assert.deepEqual([past.body.articles, past.body.articlesCount], [[], SEARCH_LIMIT]);
  });

  test('a query of stop words only finds nothing', async () => {
    const response = await search('q=the%20of%20and');
    assert.equal(response.status, 200);
    assert.deepEqual([response.body.articles, response.body.articlesCount], [[], 0]);
  });

  test('refused in the RealWorld format: an empty q, sort without q, a cursor on a ranked search', async () => {
    for (const [query, says] of [
      ['q=', /q/],
      ['sort=recent', /sort orders a search/],
      ['q=x&cursor=before:10', /paged by offset/],
      ['q=x&sort=newest', /sort/],
    ] as const) {
      const response = await search(query);
      assert.equal(response.status, 422, query);
      assert.match(JSON.stringify(response.body.errors), says, query);
    }
  });
});
