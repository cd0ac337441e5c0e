// The trace viewer routes and what the recorder keeps for a real request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { newTrace, querySpans, type RequestTrace } from '../../src/tracing/recorder.ts';
import { call, createArticle, registerUser } from '../../tools/harness/factories.ts';
import { bootTestApp, TEST_JWT_SECRET, type TestApp } from '../../tools/harness/test-app.ts';
import { parseSequence } from '../helpers/parse-diagram.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

test('a traced request carries x-trace-id; its trace has the handler and every round trip, SQL without values', async () => {
  const jake = await registerUser(t.app, { email: 'secret-address@example.com' });
  const response = await call(t.app, 'POST', '/api/users/login', {
    body: { user: { email: jake.email, password: jake.password } },
  });
  assert.equal(response.status, 200);
  const id = response.headers['x-trace-id'];
  assert.equal(typeof id, 'string');
  const trace = t.traces.get(id as string)!;
  assert.equal(trace.status, 200);
  assert.equal(trace.route, '/api/users/login');
  const handler = trace.spans.filter((span) => span.kind === 'handler');
  assert.equal(handler.length, 1);
  assert.equal(handler[0]!.name, 'POST /api/users/login');
  assert.ok(handler[0]!.end >= handler[0]!.start);
  const queries = querySpans(trace);
  assert.ok(queries.length >= 1);
  for (const span of queries) {
    assert.ok(span.start >= trace.start && span.end <= trace.end, 'spans lie inside the request');
    assert.ok(!span.name.includes('secret-address'), `no parameter values in "${span.name}"`);
  }
});

test('/_gather/traces lists recent requests newest first, each linking to its diagram', async () => {
  const first = await call(t.app, 'GET', '/api/tags');
  const second = await call(t.app, 'GET', '/api/articles?limit=5');
  const page = await t.app.inject({ method: 'GET', url: '/_gather/traces' });
  assert.equal(page.statusCode, 200);
  assert.match(page.headers['content-type'] as string, /^text\/html/);
  assert.equal(page.headers['x-trace-id'], undefined, 'the viewer does not trace itself');
  const firstAt = page.body.indexOf(`/_gather/traces/${first.headers['x-trace-id']}"`);
  const secondAt = page.body.indexOf(`/_gather/traces/${second.headers['x-trace-id']}"`);
  assert.ok(firstAt > 0 && secondAt > 0, 'both requests are linked');
  assert.ok(secondAt < firstAt, 'newest first');
  assert.ok(page.body.includes('GET /api/articles?limit=5'));
});

test('/_gather/traces/:id.mmd is the Mermaid text and /_gather/traces/:id the page that draws it', async () => {
  const jake = await registerUser(t.app);
  const article = await createArticle(t.app, jake.token);
  const read = await call(t.app, 'GET', `/api/articles/${article.slug}/comments`, { token: jake.token });
  const id = read.headers['x-trace-id'] as string;

  const mmd = await t.app.inject({ method: 'GET', url: `/_gather/traces/${id}.mmd` });
  assert.equal(mmd.statusCode, 200);
  assert.match(mmd.headers['content-type'] as string, /^text\/plain/);
  const { actors, statements } = await parseSequence(mmd.body);
  assert.deepEqual(actors.slice(0, 2), ['Client', 'Gather']);
  assert.ok(actors.includes('Database'));
  const calls = statements.filter((s) => s.type === 'call' && s.to === 'Database');
  assert.equal(calls.length, querySpans(t.traces.get(id)!).length);

  const html = await t.app.inject({ method: 'GET', url: `/_gather/traces/${id}` });
  assert.equal(html.statusCode, 200);
  assert.ok(html.body.includes('<pre class="mermaid">sequenceDiagram'));
  assert.ok(html.body.includes('src="/_gather/assets/mermaid.min.js"'));
  const script = await t.app.inject({ method: 'GET', url: '/_gather/assets/mermaid.min.js' });
  assert.equal(script.statusCode, 200);
  assert.ok(script.body.length > 100_000, 'the Mermaid bundle from node_modules');
});

test('an unknown trace id is a RealWorld 404', async () => {
  for (const url of ['/_gather/traces/nope', '/_gather/traces/nope.mmd']) {
    const response = await call(t.app, 'GET', url);
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, { errors: { body: ['trace not found'] } });
  }
});

test('the viewer is hidden from OpenAPI', async () => {
  const document = await call(t.app, 'GET', '/openapi.json');
  assert.equal(document.status, 200);
  assert.ok(!Object.keys(document.body.paths).some((path) => path.startsWith('/_gather')));
});

test('tracing is off when GATHER_TRACE=0, and in production unless GATHER_TRACE=1 turns it on', async () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET };
  assert.equal(loadConfig(production).gatherTrace, false);
  assert.equal(loadConfig({ ...production, GATHER_TRACE: '1' }).gatherTrace, true);
  assert.equal(loadConfig({ NODE_ENV: 'development' }).gatherTrace, true);
  // Off: no trace header, no viewer (a RealWorld 404), nothing kept.
  for (const [env, traced] of [
    [{ GATHER_TRACE: '0' }, false],
    [{ ...production, GATHER_TRACE: '' }, false],
    [{ ...production, GATHER_TRACE: '1' }, true],
  ] as const) {
    const other = await bootTestApp(env);
    try {
      const response = await call(other.app, 'GET', '/api/tags');
      assert.equal(response.status, 200);
      assert.equal(response.headers['x-trace-id'] !== undefined, traced, JSON.stringify(env));
      assert.equal(other.traces.list().length, traced ? 1 : 0);
      const viewer = await other.app.inject({ method: 'GET', url: '/_gather/traces' });
      assert.equal(viewer.statusCode, traced ? 200 : 404, JSON.stringify(env));
    } finally {
      await other.close();
    }
  }
});

test('over real HTTP a request with a body is traced end to end', async () => {
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const response = await fetch(`${address}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      user: { username: 'httpuser', email: 'httpuser@example.com', password: 'password123' },
    }),
  });
  assert.equal(response.status, 201);
  const trace = t.traces.get(response.headers.get('x-trace-id')!)!;
  assert.ok(querySpans(trace).length >= 1, 'the insert is recorded');
  assert.equal(trace.spans.filter((span) => span.kind === 'handler').length, 1);
});

/** A finished trace that took `ms`, for the list's ordering and filters. */
function finished(url: string, status: number, ms: number, method = 'GET'): RequestTrace {
  const trace = newTrace(`made-${url}-${status}-${ms}`, method, url);
  trace.end = trace.start + ms;
  trace.status = status;
  return trace;
}

/** The trace ids a list page shows, top to bottom. */
const listed = (html: string): string[] => [...html.matchAll(/<tr data-trace="([^"]+)"/g)].map((m) => m[1]!);

test('the list orders by arrival, hides /docs, /metrics and health checks unless asked, and filters', async () => {
  const early = finished('/api/slow-early', 200, 50);
  const late = finished('/api/quick-late', 404, 1, 'POST');
  const health = finished('/healthz', 200, 1);
  const docs = finished('/docs/static/index.css', 200, 1);
  for (const trace of [late, early, health, docs]) t.traces.add(trace); // the slow early one finished last
  const list = async (query = '') => {
    const page = await t.app.inject({ method: 'GET', url: `/_gather/traces${query}` });
    assert.equal(page.statusCode, 200, page.body);
    return listed(page.body).filter((id) => id.startsWith('made-'));
  };
  assert.deepEqual(await list(), [late.id, early.id], 'newest arrival first; housekeeping hidden');
  assert.deepEqual(await list('?all=1'), [docs.id, health.id, late.id, early.id]);
  assert.deepEqual(await list('?path=SLOW'), [early.id], 'path: part of the URL, any case');
  assert.deepEqual(await list('?method=post'), [late.id]);
  assert.deepEqual(await list('?status=4xx'), [late.id]);
  assert.deepEqual(await list('?status=200'), [early.id]);
  assert.deepEqual(await list('?min=10'), [early.id]);
  assert.deepEqual(await list('?path=&method=&status=&min='), [late.id, early.id], 'blank form fields');
  const bad = await call(t.app, 'GET', '/_gather/traces?status=abc');
  assert.equal(bad.status, 422);
});

test('/_gather/traces/compare draws both requests on one scale; an unknown id is a 404', async () => {
  const a = (await call(t.app, 'GET', '/api/tags')).headers['x-trace-id'] as string;
  const b = (await call(t.app, 'GET', '/api/articles')).headers['x-trace-id'] as string;
  const page = await t.app.inject({ method: 'GET', url: `/_gather/traces/compare?a=${a}&b=${b}` });
  assert.equal(page.statusCode, 200);
  const scales = [...page.body.matchAll(/class="waterfall" data-scale="([\d.]+)"/g)].map((m) => m[1]);
  assert.equal(scales.length, 2);
  assert.equal(scales[0], scales[1]);
  assert.equal((await call(t.app, 'GET', `/_gather/traces/compare?a=${a}&b=nope`)).status, 404);
  assert.equal((await call(t.app, 'GET', `/_gather/traces/compare?a=${a}`)).status, 422);
});

test('the .mmd text holds each full statement in a %% comment and still parses', async () => {
  const read = await call(t.app, 'GET', '/api/articles?limit=2');
  const mmd = await t.app.inject({ method: 'GET', url: `/_gather/traces/${read.headers['x-trace-id']}.mmd` });
  const comments = mmd.body.split('\n').filter((line) => line.trim().startsWith('%% select'));
  assert.equal(comments.length, querySpans(t.traces.get(read.headers['x-trace-id'] as string)!).length);
  assert.ok(
    comments.every((line) => !line.includes('…')),
    'not shortened',
  );
  await parseSequence(mmd.body);
});

test('server-sent events: a new request is pushed as a row, filtered; app.close() ends the open stream', async () => {
  const other = await bootTestApp();
  const address = await other.app.listen({ port: 0, host: '127.0.0.1' });
  const response = await fetch(`${address}/_gather/traces/events?path=tags`, {
    signal: AbortSignal.timeout(15_000),
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(response.headers.get('x-trace-id'), null, 'not traced');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let received = '';
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(received)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before ${pattern}: ${received}`);
      received += decoder.decode(value, { stream: true });
    }
  };
  await readUntil(/retry: \d+/);
  await call(other.app, 'GET', '/healthz');
  await call(other.app, 'GET', '/api/articles');
  const tags = await call(other.app, 'GET', '/api/tags');
  await readUntil(/event: trace\n(data: .*\n)+\n/);
  assert.ok(received.includes(`data: <tr data-trace="${tags.headers['x-trace-id']}">`), received);
  assert.ok(!received.includes('/healthz') && !received.includes('/api/articles'), 'filtered like the page');

  const started = Date.now();
  await other.close();
  assert.ok(Date.now() - started < 5_000, 'close does not wait for the client to leave');
  const rest = await reader.read();
  assert.equal(rest.done, true, 'the stream ended');
});
