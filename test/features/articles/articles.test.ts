import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  call,
  createArticle,
  registerUser,
  type TestUser,
  uniqueName,
} from '../../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';

let t: TestApp;
let jake: TestUser;
let anna: TestUser;
before(async () => {
  t = await bootTestApp();
  [jake, anna] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
});
after(() => t.close());

describe('create and read', () => {
  test('201 with the article; tags are sorted and de-duplicated; timestamps are ISO 8601', async () => {
    const article = await createArticle(t.app, jake.token, {
      title: 'How to train your dragon',
      tagList: ['training', 'dragons', ' dragons '],
    });
    assert.match(article.slug, /^how-to-train-your-dragon/);
    assert.deepEqual(article.tagList, ['dragons', 'training']);
    assert.match(article.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(article.favorited, false);
    assert.equal(article.favoritesCount, 0);
    assert.deepEqual(article.author, { username: jake.username, bio: null, image: null, following: false });
    const read = await call(t.app, 'GET', `/api/articles/${article.slug}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.article.body, 'The body');
  });

  test('the same title twice, even at the same moment, gives distinct slugs', async () => {
    const title = uniqueName('Same title ');
    const created = await Promise.all([1, 2, 3].map(() => createArticle(t.app, jake.token, { title })));
    assert.equal(new Set(created.map((a) => a.slug)).size, 3);
  });

  test('titles in any script keep their letters in the slug', async () => {
    const article = await createArticle(t.app, jake.token, { title: `동시성 ${uniqueName('x')}` });
    assert.match(decodeURIComponent(article.slug), /^동시성-/);
    assert.equal((await call(t.app, 'GET', `/api/articles/${encodeURIComponent(article.slug)}`)).status, 200);
  });

  test('404 for an unknown slug; 401 without a token; 422 for missing, empty or wrongly typed fields', async () => {
    assert.equal((await call(t.app, 'GET', '/api/articles/no-such-article')).status, 404);
    const body = { article: { title: 't', description: 'd', body: 'b' } };
    assert.equal((await call(t.app, 'POST', '/api/articles', { body })).status, 401);
    for (const article of [
      { title: 't', description: 'd' },
      { title: '   ', description: 'd', body: 'b' },
      { title: 't', description: 'd', body: 42 },
      { title: 't', description: 'd', body: 'b', tagList: 'dragons' },
      { title: 't', description: 'd', body: 'b', tagList: [''] },
    ]) {
      const response = await call(t.app, 'POST', '/api/articles', { token: jake.token, body: { article } });
      assert.equal(response.status, 422, JSON.stringify(article));
    }
  });
});

describe('update and delete: only the author', () => {
  test('the author updates; a new title gives a new slug; others get 403; unknown slugs 404', async () => {
    const article = await createArticle(t.app, jake.token);
    const newTitle = uniqueName('Renamed ');
    const updated = await call(t.app, 'PUT', `/api/articles/${article.slug}`, {
      token: jake.token,
      body: { article: { title: newTitle, body: 'With two hands' } },
    });
    assert.equal(updated.status, 200);
    assert.notEqual(updated.body.article.slug, article.slug);
    assert.equal(updated.body.article.body, 'With two hands');
    assert.equal((await call(t.app, 'GET', `/api/articles/${article.slug}`)).status, 404);

    const slug = updated.body.article.slug;
    const byAnna = await call(t.app, 'PUT', `/api/articles/${slug}`, {
      token: anna.token,
      body: { article: { body: 'x' } },
    });
    assert.equal(byAnna.status, 403);
    assert.equal((await call(t.app, 'GET', `/api/articles/${slug}`)).body.article.body, 'With two hands');
    const unknown = await call(t.app, 'PUT', '/api/articles/nope', {
      token: jake.token,
      body: { article: { body: 'x' } },
    });
    assert.equal(unknown.status, 404);
    const empty = await call(t.app, 'PUT', `/api/articles/${slug}`, {
      token: jake.token,
      body: { article: {} },
    });
    assert.equal(empty.status, 422);
  });

  test('a new title whose slug is taken gets a suffixed slug; unchanged fields stay as they were', async () => {
    const title = uniqueName('Taken title ');
    const first = await createArticle(t.app, jake.token, { title });
    const second = await createArticle(t.app, jake.token, { description: 'Kept' });
    const updated = await call(t.app, 'PUT', `/api/articles/${second.slug}`, {
      token: jake.token,
      body: { article: { title } },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.article.title, title);
    assert.match(updated.body.article.slug, new RegExp(`^${first.slug}-[0-9a-f]{8}$`));
    assert.equal(updated.body.article.description, 'Kept');
    assert.equal(updated.body.article.body, second.body);
  });

  test("a client does not choose a slug: one in an update is ignored, even another article's (never a 500)", async () => {
    const other = await createArticle(t.app, jake.token);
    const mine = await createArticle(t.app, jake.token);
    const withSlug = await call(t.app, 'PUT', `/api/articles/${mine.slug}`, {
      token: jake.token,
      body: { article: { slug: other.slug, body: 'Edited' } },
    });
    assert.equal(withSlug.status, 200);
    assert.equal(withSlug.body.article.slug, mine.slug);
    assert.equal(withSlug.body.article.body, 'Edited');
    const onlySlug = await call(t.app, 'PUT', `/api/articles/${mine.slug}`, {
      token: jake.token,
      body: { article: { slug: other.slug } },
    });
    assert.equal(onlySlug.status, 200);
    assert.equal(onlySlug.body.article.slug, mine.slug);
  });

  test('delete: 403 for others, 204 for the author, then 404', async () => {
    const article = await createArticle(t.app, jake.token);
    assert.equal(
      (await call(t.app, 'DELETE', `/api/articles/${article.slug}`, { token: anna.token })).status,
      403,
    );
    assert.equal(
      (await call(t.app, 'DELETE', `/api/articles/${article.slug}`, { token: jake.token })).status,
      204,
    );
    assert.equal(
      (await call(t.app, 'DELETE', `/api/articles/${article.slug}`, { token: jake.token })).status,
      404,
    );
    assert.equal((await call(t.app, 'GET', `/api/articles/${article.slug}`)).status, 404);
  });
});

describe('favorites', () => {
  test('favorite and unfavorite are idempotent and counted', async () => {
    const article = await createArticle(t.app, jake.token);
    const url = `/api/articles/${article.slug}/favorite`;
    assert.equal((await call(t.app, 'POST', url, { token: anna.token })).body.article.favoritesCount, 1);
    const again = await call(t.app, 'POST', url, { token: anna.token });
    assert.equal(again.body.article.favoritesCount, 1);
    assert.equal(again.body.article.favorited, true);
    assert.equal((await call(t.app, 'POST', url, { token: jake.token })).body.article.favoritesCount, 2);
    const un = await call(t.app, 'DELETE', url, { token: anna.token });
    assert.equal(un.body.article.favorited, false);
    assert.equal(un.body.article.favoritesCount, 1);
    assert.equal(
      (await call(t.app, 'POST', '/api/articles/nope/favorite', { token: anna.token })).status,
      404,
    );
    assert.equal((await call(t.app, 'POST', url)).status, 401);
  });
});

describe('lists', () => {
  test('filters by tag, author and favorited, newest first, with exact counts and no body', async () => {
    const writer = await registerUser(t.app);
    const fan = await registerUser(t.app);
    const tag = uniqueName('tag');
    const first = await createArticle(t.app, writer.token, { tagList: [tag] });
    const second = await createArticle(t.app, writer.token, { tagList: [tag, 'other'] });
    await createArticle(t.app, writer.token);
    await call(t.app, 'POST', `/api/articles/${first.slug}/favorite`, { token: fan.token });

    const byTag = await call(t.app, 'GET', `/api/articles?tag=${tag}`);
    assert.deepEqual(
      byTag.body.articles.map((a: { slug: string }) => a.slug),
      [second.slug, first.slug],
    );
    assert.equal(byTag.body.articlesCount, 2);
    assert.equal(byTag.body.articles[0].body, undefined);

    const byAuthor = await call(t.app, 'GET', `/api/articles?author=${writer.username}&limit=2`);
    assert.equal(byAuthor.body.articles.length, 2);
    assert.equal(byAuthor.body.articlesCount, 3);
    const page2 = await call(t.app, 'GET', `/api/articles?author=${writer.username}&limit=2&offset=2`);
    assert.equal(page2.body.articles.length, 1);
    assert.equal(page2.body.articlesCount, 3);

    const favorited = await call(t.app, 'GET', `/api/articles?favorited=${fan.username}`, {
      token: fan.token,
    });
    assert.equal(favorited.body.articlesCount, 1);
    assert.equal(favorited.body.articles[0].favorited, true);

    const combined = await call(t.app, 'GET', `/api/articles?author=${writer.username}&tag=other`);
    assert.equal(combined.body.articlesCount, 1);
    assert.equal(combined.body.articles[0].slug, second.slug);

    const nobody = await call(t.app, 'GET', '/api/articles?author=nobody-at-all');
    assert.deepEqual(nobody.body, { articles: [], articlesCount: 0 });

    const all = await call(t.app, 'GET', '/api/articles?limit=100');
    const total = all.body.articlesCount;
    assert.equal(total, all.body.articles.length);
    assert.ok(total >= 3);
  });

  test('the feed: articles of followed authors only; requires a token', async () => {
    const reader = await registerUser(t.app);
    const followed = await registerUser(t.app);
    const article = await createArticle(t.app, followed.token);
    await createArticle(t.app, jake.token);
    assert.deepEqual((await call(t.app, 'GET', '/api/articles/feed', { token: reader.token })).body, {
      articles: [],
      articlesCount: 0,
    });
    await call(t.app, 'POST', `/api/profiles/${followed.username}/follow`, { token: reader.token });
    const feed = await call(t.app, 'GET', '/api/articles/feed', { token: reader.token });
    assert.equal(feed.body.articlesCount, 1);
    assert.equal(feed.body.articles[0].slug, article.slug);
    assert.equal(feed.body.articles[0].author.following, true);
    assert.equal((await call(t.app, 'GET', '/api/articles/feed')).status, 401);
  });

  test('the feed pages through its authors newest first, interleaved, whatever the limit and offset', async () => {
    const reader = await registerUser(t.app);
    const [ada, bob, eve] = await Promise.all([1, 2, 3].map(() => registerUser(t.app)));
    // One after the other, so the order of creation is known: ada, bob, eve, ada, bob, ada, bob, eve.
    const created: { slug: string; author: string }[] = [];
    for (const author of [ada!, bob!, eve!, ada!, bob!, ada!, bob!, eve!]) {
      created.push({ slug: (await createArticle(t.app, author.token)).slug, author: author.username });
    }
    for (const followed of [ada!, bob!]) {
      await call(t.app, 'POST', `/api/profiles/${followed.username}/follow`, { token: reader.token });
    }
    const expected = created
      .filter((a) => a.author !== eve!.username)
      .reverse()
      .map((a) => a.slug);
    for (const limit of [1, 2, 4, 20]) {
      const pages: string[] = [];
      for (let offset = 0; offset < expected.length + limit; offset += limit) {
        const page = await call(t.app, 'GET', `/api/articles/feed?limit=${limit}&offset=${offset}`, {
          token: reader.token,
        });
        assert.equal(page.body.articlesCount, expected.length);
        pages.push(...page.body.articles.map((a: { slug: string }) => a.slug));
      }
      assert.deepEqual(pages, expected, `limit=${limit}`);
    }
  });

  test('bad paging is a 422, never a 500', async () => {
    for (const query of [
      'limit=0',
      'limit=-1',
      'limit=abc',
      'limit=101',
      'offset=-5',
      'offset=1e99',
      'limit=1.5',
    ]) {
      const response = await call(t.app, 'GET', `/api/articles?${query}`);
      assert.equal(response.status, 422, query);
      assert.ok(response.body.errors.body.length > 0);
    }
  });

  test('GET /api/tags lists tags in use, most used first', async () => {
    const tag = uniqueName('popular');
    await createArticle(t.app, jake.token, { tagList: [tag] });
    await createArticle(t.app, jake.token, { tagList: [tag] });
    const response = await call(t.app, 'GET', '/api/tags');
    assert.equal(response.status, 200);
    assert.ok(response.body.tags.indexOf(tag) < response.body.tags.indexOf('other'));
  });
});
