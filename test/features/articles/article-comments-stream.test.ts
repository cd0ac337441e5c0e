// The lecture's example, two ways: GET /articles/:slug?include=comments reads the article and its comments
// concurrently (their query spans overlap, the diagram has a `par` block), and GET /articles/:slug/stream
// sends each part the moment its query finishes (as_completed): a part held back arrives last, the others
// arrive well before it.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Instrument } from '../../../src/instrument.ts';
import { renderSequenceDiagram } from '../../../src/tracing/mermaid.ts';
import { overlaps, querySpans, type RequestTrace, recordSpan } from '../../../src/tracing/recorder.ts';
import { call, createArticle, registerUser, type TestUser } from '../../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';
import { parseSequence } from '../../helpers/parse-diagram.ts';

let t: TestApp;
let jake: TestUser;
let slug: string;
let baseUrl: string;

/** Given a query's SQL and parameter values, decides when and whether `run` sends it. */
type Around = (
  text: string,
  values: readonly unknown[] | undefined,
  run: () => Promise<unknown>,
) => Promise<unknown>;
const passThrough: Around = (_text, _values, run) => run();
let around = passThrough;

/** Tracing's recorder, with every query first passed to `around` (test only). */
const observeQueries: Instrument = (kind, name, peer, run, params) =>
  kind === 'query'
    ? (around(name, params, () => recordSpan(kind, name, peer, run, params)) as ReturnType<typeof run>)
    : recordSpan(kind, name, peer, run, params);

before(async () => {
  t = await bootTestApp({}, observeQueries);
  jake = await registerUser(t.app);
  slug = (await createArticle(t.app, jake.token, { tagList: ['dragons'] })).slug;
  for (const body of ['first', 'second']) {
    await call(t.app, 'POST', `/api/articles/${slug}/comments`, {
      token: jake.token,
      body: { comment: { body } },
    });
  }
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(() => t.close());

function traceOf(response: { headers: Record<string, unknown> }): RequestTrace {
  const trace = t.traces.get(String(response.headers['x-trace-id']));
  assert.ok(trace, 'the request was traced');
  return trace;
}

test('plain GET /articles/:slug is unchanged: {article} only, one round trip', async () => {
  const response = await call(t.app, 'GET', `/api/articles/${slug}`);
  assert.equal(response.status, 200);
  assert.deepEqual(Object.keys(response.body), ['article']);
  assert.equal(querySpans(traceOf(response)).length, 1);
});

test('include=comments: {article, comments}, the two reads in flight together, drawn as par', async () => {
  const response = await call(t.app, 'GET', `/api/articles/${slug}?include=comments`);
  assert.equal(response.status, 200);
  assert.deepEqual(Object.keys(response.body).sort(), ['article', 'comments']);
  assert.equal(response.body.article.slug, slug);
  assert.deepEqual(
    response.body.comments.map((comment: { body: string }) => comment.body),
    ['first', 'second'],
  );
  assert.equal(response.body.comments[0].author.username, jake.username);

  const trace = traceOf(response);
  const [first, second, ...more] = querySpans(trace);
  assert.ok(first && second && more.length === 0, 'two round trips');
  assert.ok(overlaps(first, second), 'the article and comment queries overlap in time');
  const { statements } = await parseSequence(renderSequenceDiagram(trace));
  const par = statements.findIndex((statement) => statement.type === 'par');
  assert.ok(par >= 0, 'the diagram has a par block');
  const inside = statements.slice(
    par,
    statements.findIndex((s, i) => i > par && s.type === 'end'),
  );
  assert.equal(inside.filter((s) => s.type === 'call' && s.to === 'Database').length, 2);
});

test('include=comments: unknown slug → 404, unknown include → 422, RealWorld error bodies', async () => {
  const missing = await call(t.app, 'GET', '/api/articles/no-such-article?include=comments');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { errors: { body: ['article not found'] } });
  const bad = await call(t.app, 'GET', `/api/articles/${slug}?include=everything`);
  assert.equal(bad.status, 422);
  assert.ok(Array.isArray(bad.body.errors.body));
});

test('the OpenAPI document describes include=comments and the NDJSON stream', async () => {
  const doc = (await call(t.app, 'GET', '/openapi.json')).body;
  const read = doc.paths['/articles/{slug}'].get;
  assert.ok(
    read.parameters.some((p: { name: string; in: string }) => p.name === 'include' && p.in === 'query'),
  );
  // The named model a $ref points at (#/components/schemas/<name>).
  const named = (schema: { $ref: string }) => doc.components.schemas[schema.$ref.split('/').at(-1) ?? ''];
  // One object with an optional `comments` member (not a union: see ArticleMaybeWithCommentsResponse).
  const shape = named(read.responses['200'].content['application/json'].schema);
  assert.equal(shape.properties.comments.type, 'array');
  assert.deepEqual(shape.required, ['article']);
  const stream = doc.paths['/articles/{slug}/stream'].get;
  const parts = named(stream.responses['200'].content['application/x-ndjson'].schema).anyOf;
  const names = parts.map(
    (part: { properties: { part: { enum: string[] } } }) => part.properties.part.enum[0],
  );
  assert.deepEqual(names.sort(), ['article', 'author', 'comments', 'error']);
  assert.ok(stream.responses['404']);
});

/**
 * Wraps every query the app sends, outside the wrappers already there (test only). Returns what takes it away.
 */
function aroundQueries(wrapper: Around): () => void {
  const inner = around;
  around = (text, values, run) => wrapper(text, values, () => inner(text, values, run));
  return () => {
    around = inner;
  };
}

/** Whether a query is one of a request for the test's article (another test's may still be running). */
const forTheArticle = (values: readonly unknown[] | undefined) => values?.includes(slug) === true;

/**
 * Holds back every query for the article whose SQL matches `pattern` until `until` settles, then sends it, or
 * with `fail` rejects it instead (test only).
 */
function holdQueries(pattern: RegExp, until: Promise<unknown>, fail = false): () => void {
  return aroundQueries(async (text, values, run) => {
    if (pattern.test(text) && forTheArticle(values)) {
      await until;
      if (fail) throw new Error('injected failure');
    }
    return run();
  });
}

/**
 * Resolves once a query for the article matching each of `patterns` has been answered, and what those answers
 * started (the parts written from them) has run: a turn of the event loop later (test only). A query of an
 * earlier test (the 404's other parts, still running after its answer) does not count.
 */
function whenAnswered(patterns: RegExp[]): { answered: Promise<void>; restore(): void } {
  const waiting = new Set(patterns);
  let allAnswered!: () => void;
  const answered = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  const restore = aroundQueries(async (text, values, run) => {
    const result = await run();
    if (!forTheArticle(values)) return result;
    for (const pattern of waiting) if (pattern.test(text)) waiting.delete(pattern);
    if (waiting.size === 0) setImmediate(allAnswered);
    return result;
  });
  return { answered, restore };
}

/** Reads the stream over real HTTP, calling `onPart` with each part's name the moment its line arrives. */
async function readStream(
  path: string,
  onPart: (part: string) => void,
): Promise<{ status: number; type: string | null; parts: string[] }> {
  const response = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  const parts: string[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body ?? []) {
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const { part } = JSON.parse(line) as { part: string };
      parts.push(part);
      onPart(part);
    }
  }
  assert.equal(buffered, '', 'every line ends with a newline');
  return { status: response.status, type: response.headers.get('content-type'), parts };
}

const PART_SQL: Record<string, RegExp> = {
  article: /"articles"\."body"/,
  comments: /from "comments"/,
  author: /from "users" inner join "articles"/,
};

for (const [held, pattern] of Object.entries(PART_SQL)) {
  test(`stream: with the ${held} query held back, the other parts reach the client first`, async () => {
    // The held query waits until the client has received the two other parts. Were the parts buffered
    // until all were ready, those two would never arrive, the gate would stay shut and the read time out.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const restore = holdQueries(pattern, gate);
    try {
      const receivedBeforeGate: string[] = [];
      let gateOpen = false;
      const { status, type, parts } = await readStream(`/api/articles/${slug}/stream`, (part) => {
        if (gateOpen) return;
        receivedBeforeGate.push(part);
        if (receivedBeforeGate.length === 2) {
          gateOpen = true;
          openGate();
        }
      });
      assert.equal(status, 200);
      assert.match(type ?? '', /^application\/x-ndjson/);
      assert.deepEqual([...parts].sort(), ['article', 'author', 'comments']);
      assert.ok(!receivedBeforeGate.includes(held), `the ${held} part waited for the gate`);
      assert.equal(parts.at(-1), held, `the ${held} part comes last`);
    } finally {
      openGate();
      restore();
    }
  });
}

test('stream: unknown slug is a plain 404 in RealWorld format, before any part', async () => {
  const response = await fetch(`${baseUrl}/api/articles/no-such-article/stream`, {
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(response.status, 404);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await response.json(), { errors: { body: ['article not found'] } });
});

test('stream: a part that fails after the stream started becomes a last error line', async () => {
  // The comments query fails once the two other parts' queries have been answered (and their parts sent).
  const others = whenAnswered([PART_SQL.article!, PART_SQL.author!]);
  const restore = holdQueries(PART_SQL.comments!, others.answered, true);
  try {
    const response = await t.app.inject({ method: 'GET', url: `/api/articles/${slug}/stream` });
    assert.equal(response.statusCode, 200);
    const lines = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { part: string; errors?: unknown });
    assert.deepEqual(lines.map((line) => line.part).sort(), ['article', 'author', 'error']);
    assert.deepEqual(lines.at(-1), { part: 'error', errors: { body: ['internal server error'] } });
  } finally {
    restore();
    others.restore();
  }
});

test('stream: the parts carry the same DTOs as the plain reads', async () => {
  const response = await t.app.inject({ method: 'GET', url: `/api/articles/${slug}/stream` });
  const parts = Object.fromEntries(
    response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { part: string })
      .map((part) => [part.part, part]),
  ) as Record<string, Record<string, unknown>>;
  const plain = await call(t.app, 'GET', `/api/articles/${slug}?include=comments`);
  assert.deepEqual(parts.article?.article, plain.body.article);
  assert.deepEqual(parts.comments?.comments, plain.body.comments);
  assert.deepEqual(parts.author?.author, plain.body.article.author);
});
