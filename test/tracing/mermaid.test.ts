// The renderer on hand-made traces; every diagram is read back by Mermaid's own parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeMessage,
  renderSequenceDiagram,
  shortenSql,
  traceMarkdown,
} from '../../src/tracing/mermaid.ts';
import type { RequestTrace, Span } from '../../src/tracing/recorder.ts';
import { mermaidBlocks, parseSequence } from '../helpers/parse-diagram.ts';

function trace(spans: Span[], overrides: Partial<RequestTrace> = {}): RequestTrace {
  return {
    id: 't1',
    method: 'GET',
    url: '/api/articles/a-slug',
    startedAt: new Date(0),
    start: 100,
    end: 110,
    status: 200,
    route: '/api/articles/:slug',
    spans,
    ...overrides,
  };
}

const query = (name: string, start: number, end: number): Span => ({
  kind: 'query',
  name,
  peer: 'Database',
  start,
  end,
});

test('serial round trips are drawn one after another, each call answered by a dashed reply', async () => {
  const text = renderSequenceDiagram(
    trace([
      { kind: 'handler', name: 'GET /api/articles/:slug', peer: 'Gather', start: 100.5, end: 109 },
      query('select 1', 101, 102),
      query('select 2', 102.2, 103),
    ]),
  );
  const { actors, statements } = await parseSequence(text);
  assert.deepEqual(actors, ['Client', 'Gather', 'Database']);
  assert.equal(statements[0]!.type, 'autonumber');
  assert.ok(!statements.some((s) => s.type === 'par'), 'no par block for serial calls');
  const arrows = statements.filter((s) => s.type === 'call' || s.type === 'reply');
  assert.deepEqual(
    arrows.map((s) => `${s.type} ${s.from}→${s.to} ${s.text}`),
    [
      'call Client→Gather GET /api/articles/a-slug',
      'call Gather→Database select 1',
      'reply Database→Gather result',
      'call Gather→Database select 2',
      'reply Database→Gather result',
      'reply Gather→Client 200',
    ],
  );
  const notes = statements.filter((s) => s.type === 'note').map((s) => s.text);
  assert.deepEqual(notes, [
    '1.00 ms, from +1.00 ms',
    '0.80 ms, from +2.20 ms',
    'handler 8.50 ms',
    '10.00 ms in total',
  ]);
});

test('overlapping calls are lanes of one par block; a later serial call stays outside it', async () => {
  const text = renderSequenceDiagram(
    trace([
      query('select article', 101, 103),
      query('select comments', 101.1, 102),
      query('select author', 102.5, 104), // overlaps the article read: a third concurrent call
      query('select after', 104.5, 105),
    ]),
  );
  const { statements } = await parseSequence(text);
  const shape = statements
    .filter((s) => s.type !== 'note' && s.type !== 'reply')
    .map((s) => (s.type === 'call' ? s.text : s.type));
  assert.deepEqual(shape, [
    'autonumber',
    'GET /api/articles/a-slug',
    'activate',
    'par',
    'select article',
    'and',
    'select comments',
    'select author',
    'end',
    'select after',
    'deactivate',
  ]);
});

test('a wait for a pool connection is drawn as a call to the Pool, between Gather and the Database', async () => {
  const text = renderSequenceDiagram(
    trace([
      { kind: 'pool-wait', name: 'wait for a pool connection', peer: 'Pool', start: 101, end: 104 },
      query('select 1', 104, 105),
    ]),
  );
  const { actors, statements } = await parseSequence(text);
  assert.deepEqual(actors, ['Client', 'Gather', 'Pool', 'Database']);
  const replies = statements.filter((s) => s.type === 'reply').map((s) => `${s.from}: ${s.text}`);
  assert.deepEqual(replies, ['Pool: connection', 'Database: result', 'Gather: 200']);
  assert.ok(statements.some((s) => s.type === 'note' && s.text === 'waited 3.00 ms, from +1.00 ms'));
});

test('characters that break Mermaid survive as text: ; # < > in SQL, URLs, errors and peer names', async () => {
  const sql = `select '#1; <b>' as "x"; select 2 -- done`;
  const text = renderSequenceDiagram(
    trace(
      [
        { ...query(sql, 101, 102), error: 'syntax error at or near ";"' },
        { kind: 'io', name: 'GET cache#key;1', peer: 'Redis cache; #2', start: 102, end: 103 },
      ],
      { url: '/api/articles?tag=c%23;x&q=<script>', status: 500 },
    ),
  );
  const { actors, statements } = await parseSequence(text);
  assert.equal(actors.length, 4);
  const calls = statements.filter((s) => s.type === 'call' || s.type === 'reply').map((s) => s.text);
  assert.deepEqual(calls, [
    'GET /api/articles?tag=c%23;x&q=<script>',
    `select '#1; <b>' as x; select 2 -- done`,
    'error: syntax error at or near ";"',
    'GET cache#key;1',
    'done',
    '500',
  ]);
});

test('escapeMessage writes ; # < > as entity codes and keeps everything on one line', () => {
  assert.equal(escapeMessage('a;b #c <d>\n  e'), 'a#59;b #35;c #lt;d#gt; e');
});

test('shortenSql unquotes identifiers, elides long column lists and groups, and cuts long text', () => {
  assert.equal(
    shortenSql('select "id", "slug", "title", "description", "body" from "articles" where "slug" = $1'),
    'select … from articles where slug = $1',
  );
  assert.equal(shortenSql('select 1'), 'select 1');
  assert.equal(
    shortenSql(
      'insert into "users" ("email", "username", "password_hash") values ($1, $2, $3) returning "id"',
    ),
    'insert into users (…) values ($1, $2, $3) returning id',
  );
  const long = shortenSql(`select x from t where ${'a = 1 and '.repeat(20)}b = 2`, 40);
  assert.equal(long.length, 40);
  assert.ok(long.endsWith('…'));
});

test('a span still running when the trace is drawn ends at the trace end; a trace without spans still parses', async () => {
  await parseSequence(renderSequenceDiagram(trace([query('select pg_sleep(1)', 101, Number.NaN)])));
  await parseSequence(renderSequenceDiagram(trace([], { end: Number.NaN, status: 0 })));
});

test('timings: false draws the same arrows and par blocks without a single duration note', async () => {
  const spans = [query('select article', 101, 103), query('select comments', 101.1, 102.4)];
  const timed = await parseSequence(renderSequenceDiagram(trace(spans)));
  const bare = await parseSequence(renderSequenceDiagram(trace(spans), { timings: false }));
  assert.deepEqual(
    bare.statements,
    timed.statements.filter((s) => s.type !== 'note'),
  );
  assert.ok(timed.statements.some((s) => s.type === 'note'));
  assert.ok(bare.statements.some((s) => s.type === 'par'));
});

test('traceMarkdown: what was asked and answered, then the diagram in a mermaid code block', async () => {
  const markdown = traceMarkdown(trace([query('select 1', 101, 102)]), { timings: false });
  assert.ok(markdown.startsWith('`GET /api/articles/a-slug` → 200, 1 database round trip\n\n```mermaid\n'));
  const [diagram] = mermaidBlocks(markdown);
  assert.equal(diagram, renderSequenceDiagram(trace([query('select 1', 101, 102)]), { timings: false }));
});

test('a reply names the rows returned; streamed parts are dashed arrows to the client; fullSql adds %% comments', async () => {
  const sql = 'select "id"   from "articles"\n where "slug" = $1 and "title" <> \'x;y\'';
  const text = renderSequenceDiagram(
    trace([
      { ...query(sql, 101, 103), query: { paramsHash: 1, paramHashes: new Set(), rows: 3 } },
      { kind: 'flush', name: 'NDJSON part: article (120 bytes)', peer: 'Client', start: 104, end: 104.1 },
    ]),
    { fullSql: true },
  );
  assert.ok(text.includes(`%% ${sql.replace(/\s+/g, ' ')}`), 'the statement, whole, on one line');
  const { actors, statements } = await parseSequence(text);
  assert.deepEqual(actors, ['Client', 'Gather', 'Database'], 'the client is not a peer of its own');
  assert.deepEqual(
    statements.filter((s) => s.type === 'reply').map((s) => [s.from, s.to, s.text]),
    [
      ['Database', 'Gather', '3 rows'],
      ['Gather', 'Client', 'NDJSON part: article (120 bytes)'],
      ['Gather', 'Client', '200'],
    ],
  );
});
