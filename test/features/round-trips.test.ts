// Round trips per request, from the per-request query recorder: constant in the page size (no N+1), and
// independent reads in flight at the same time.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { overlaps, querySpans, type RequestTrace } from '../../src/tracing/recorder.ts';
import {
  call,
  checkSession,
  createArticle,
  registerUser,
  type TestUser,
} from '../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

let t: TestApp;
let jake: TestUser;
let reader: TestUser;
let slug: string;
before(async () => {
  t = await bootTestApp();
  jake = await registerUser(t.app);
  reader = await registerUser(t.app);
  await call(t.app, 'POST', `/api/profiles/${jake.username}/follow`, { token: reader.token });
  for (let i = 0; i < 30; i++) {
    const article = await createArticle(t.app, jake.token, { tagList: ['a', `t${i % 3}`] });
    slug = article.slug;
    if (i % 2 === 0)
      await call(t.app, 'POST', `/api/articles/${article.slug}/favorite`, { token: reader.token });
  }
  await call(t.app, 'POST', `/api/articles/${slug}/comments`, {
    token: jake.token,
    body: { comment: { body: 'c' } },
  });
});
after(() => t.close());

/** `url`'s trace in the steady state (a signed-in user's session checked just before). */
async function traced(url: string, token?: string): Promise<RequestTrace> {
  if (token !== undefined) await checkSession(t.app, token);
  const response = await call(t.app, 'GET', url, token === undefined ? {} : { token });
  assert.equal(response.status, 200, url);
  const trace = t.traces.get(String(response.headers['x-trace-id']));
  assert.ok(trace, 'the request was traced');
  return trace;
}

test('list endpoints: the same round trips at limit 1 and limit 100, page and count concurrent; the feed counts first', async () => {
  for (const filter of ['', '&tag=a', `&author=${jake.username}`, `&favorited=${jake.username}`]) {
    const small = querySpans(await traced(`/api/articles?limit=1${filter}`, jake.token));
    const large = querySpans(await traced(`/api/articles?limit=100${filter}`, jake.token));
    assert.equal(small.length, 2, `limit=1${filter}`);
    assert.equal(large.length, small.length, `limit=100${filter}`);
    assert.ok(overlaps(large[0]!, large[1]!), `page and count overlap${filter}`);
  }
  // The feed's counters choose how its page is found: two round trips, one after the other.
  for (const limit of [1, 100]) {
    const feed = querySpans(await traced(`/api/articles/feed?limit=${limit}`, reader.token));
    assert.equal(feed.length, 2, `feed limit=${limit}`);
    assert.ok(!overlaps(feed[0]!, feed[1]!), 'the page waits for the counters');
  }
});

test('an article is one round trip; its comments list two concurrent ones', async () => {
  assert.equal(querySpans(await traced(`/api/articles/${slug}`)).length, 1);
  const comments = querySpans(await traced(`/api/articles/${slug}/comments`));
  assert.equal(comments.length, 2);
  assert.ok(overlaps(comments[0]!, comments[1]!));
});
