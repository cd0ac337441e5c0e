// Paging at any depth: the Link header's cursors read the same articles as offsets do, newest first, on the
// lists and the feed; offsets past MAX_OFFSET are refused with a pointer to the cursor.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MAX_OFFSET } from '../../../src/http/paging.ts';
import { call, createArticle, registerUser, type TestUser } from '../../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';

let t: TestApp;
let writer: TestUser;
let other: TestUser;
let reader: TestUser;
/** The writer's and the other author's articles, newest first. */
let writerSlugs: string[];
let bothSlugs: string[];

before(async () => {
  t = await bootTestApp();
  [writer, other, reader] = await Promise.all([
    registerUser(t.app),
    registerUser(t.app),
    registerUser(t.app),
  ]);
  const created: { slug: string; author: string }[] = [];
  for (const author of [writer, other, writer, writer, other, writer, other, writer]) {
    created.push({ slug: (await createArticle(t.app, author.token)).slug, author: author.username });
  }
  bothSlugs = created.map((a) => a.slug).reverse();
  writerSlugs = created
    .filter((a) => a.author === writer.username)
    .map((a) => a.slug)
    .reverse();
  for (const followed of [writer, other]) {
    await call(t.app, 'POST', `/api/profiles/${followed.username}/follow`, { token: reader.token });
  }
});
after(() => t.close());

/** The Link header's targets by rel. */
function links(header: unknown): Record<string, string> {
  return Object.fromEntries(
    String(header)
      .split(', ')
      .map((link) => {
        const [, target, rel] = /^<([^>]*)>; rel="(\w+)"$/.exec(link)!;
        return [rel!, target!];
      }),
  );
}

/** Reads `url` and every page its rel="next" leads to; each page's slugs. */
async function followNext(url: string, token?: string) {
  const pages: string[][] = [];
  let responses = 0;
  for (let next: string | undefined = url; next !== undefined; responses++) {
    const page = await call(t.app, 'GET', next, { token });
    assert.equal(page.status, 200, next);
    pages.push(page.body.articles.map((a: { slug: string }) => a.slug));
    next = links(page.headers.link).next;
    assert.ok(responses < 20, 'the cursors end');
  }
  return pages;
}

test('rel="next" reads a list to its end, newest first, the same articles as offsets; every page links first', async () => {
  const url = `/api/articles?author=${writer.username}&limit=2`;
  const pages = await followNext(url);
  assert.deepEqual(pages.flat(), writerSlugs);
  assert.deepEqual(
    pages.map((p) => p.length),
    [2, 2, 1],
  );
  const deep = await call(t.app, 'GET', `${url}&offset=2`);
  assert.deepEqual(
    deep.body.articles.map((a: { slug: string }) => a.slug),
    pages[1],
  );
  assert.equal(deep.body.articlesCount, writerSlugs.length, 'articlesCount: the whole list, not the page');
  assert.equal(links(deep.headers.link).first, `/api/articles?author=${writer.username}&limit=2`);
});

test('rel="prev" reads back towards the newest; a cursor page counts the whole list', async () => {
  const last = await call(t.app, 'GET', `/api/articles?limit=3&offset=6`);
  assert.deepEqual(
    last.body.articles.map((a: { slug: string }) => a.slug),
    bothSlugs.slice(6),
  );
  assert.equal(links(last.headers.link).next, undefined, 'nothing older');
  const prev = await call(t.app, 'GET', links(last.headers.link).prev!);
  assert.deepEqual(
    prev.body.articles.map((a: { slug: string }) => a.slug),
    bothSlugs.slice(3, 6),
  );
  assert.equal(prev.body.articlesCount, bothSlugs.length);
  const newest = await call(t.app, 'GET', links(prev.headers.link).prev!);
  assert.deepEqual(
    newest.body.articles.map((a: { slug: string }) => a.slug),
    bothSlugs.slice(0, 3),
  );
  assert.equal(links(newest.headers.link).prev, undefined, 'nothing newer');
});

test('the feed pages by its Link header too', async () => {
  const pages = await followNext('/api/articles/feed?limit=3', reader.token);
  assert.deepEqual(pages.flat(), bothSlugs);
});

test(`an offset past ${MAX_OFFSET} is a 422 that says how to read further; a bad cursor is a 422`, async () => {
  for (const url of [
    `/api/articles?offset=${MAX_OFFSET + 1}`,
    `/api/articles/feed?offset=${MAX_OFFSET + 1}`,
  ]) {
    const refused = await call(t.app, 'GET', url, { token: reader.token });
    assert.equal(refused.status, 422, url);
    assert.match(refused.body.errors.body[0], /cursor/);
  }
  for (const cursor of ['before:', 'before:0', 'later:5', 'before:9999999999', 'before:1;drop']) {
    const refused = await call(t.app, 'GET', `/api/articles?cursor=${encodeURIComponent(cursor)}`);
    assert.equal(refused.status, 422, cursor);
  }
  const edge = await call(t.app, 'GET', `/api/articles?offset=${MAX_OFFSET}`);
  assert.equal(edge.status, 200);
  assert.deepEqual(edge.body.articles, []);
});
