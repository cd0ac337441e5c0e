// The trace page's warnings on hand-made traces: each one tripped, and each one not tripped where the rule
// says the round trips were fine. Parameters and rows go through the recorder's own fingerprinting.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  analyseTrace,
  connectionWaits,
  SERIAL_RULE,
  statementShape,
  type WarningKind,
} from '../../src/tracing/analysis.ts';
import { queryFacts, type RequestTrace, recordResult, type Span } from '../../src/tracing/recorder.ts';

function trace(spans: Span[]): RequestTrace {
  return {
    id: 't',
    method: 'GET',
    url: '/api/x',
    startedAt: new Date(0),
    start: 0,
    end: 100,
    status: 200,
    route: '/api/x',
    spans,
  };
}

/** A query span that was given `params` and returned `rows` (arrays, as drizzle's rowMode 'array'). */
function query(sql: string, start: number, end: number, params: unknown[], rows: unknown[][] = []): Span {
  const facts = queryFacts(params);
  recordResult(facts, { rows });
  return { kind: 'query', name: sql, peer: 'Database', start, end, query: facts };
}

const kinds = (spans: Span[]): WarningKind[] => analyseTrace(trace(spans)).map((warning) => warning.kind);

const ARTICLE = 'select "id", "slug", "title" from "articles" where "slug" = $1';
const COMMENTS =
  'select "id", "body" from "comments" where "article_id" = (select id from articles where slug = $1)';
const COMMENTS_BY_ID = 'select "id", "body" from "comments" where "article_id" = $1';
const AUTHOR = 'select "username" from "users" where "id" = $1';

test('statementShape: placeholders, literals and lists of them become one shape', () => {
  assert.equal(
    statementShape('select * from "t" where id in ($1, $2)'),
    statementShape('SELECT *  FROM t WHERE id IN ($3,$4,$5)'),
  );
  assert.equal(
    statementShape("select 1 from t where a = 'x' and b = 42"),
    'select ? from t where a = ? and b = ?',
  );
  assert.notEqual(
    statementShape('select a from t where id = $1'),
    statementShape('select b from t where id = $1'),
  );
});

test('N+1: the same shape three times trips it; twice does not', () => {
  const three = [1, 2, 3].map((id, i) => query(AUTHOR, i * 2, i * 2 + 1, [id], [['u']]));
  const warnings = analyseTrace(trace(three));
  assert.deepEqual(
    warnings.map((w) => w.kind),
    ['repeated-shape'],
  );
  assert.deepEqual(warnings[0]!.spans, [0, 1, 2]);
  assert.match(warnings[0]!.title, /3 times/);
  // Two of them: no N+1 (they are still two independent reads awaited one after the other).
  assert.deepEqual(kinds(three.slice(0, 2)), ['serial-reads']);
});

test('identical statement: same SQL and same parameters twice trips it; other parameters do not', () => {
  // 5 ms apart with a hash between them, so that the serial rule stays out of the way.
  const hash: Span = { kind: 'io', name: 'scrypt', peer: 'Hash pool', start: 2, end: 4 };
  assert.deepEqual(kinds([query(AUTHOR, 0, 1, [7], [['u']]), hash, query(AUTHOR, 5, 6, [7], [['u']])]), [
    'identical-statement',
  ]);
  assert.deepEqual(kinds([query(AUTHOR, 0, 1, [7], [['u']]), hash, query(AUTHOR, 5, 6, [8], [['v']])]), []);
  // '7' and 7 are one value for the dependency rule, but a different parameter list for the identity one.
  assert.deepEqual(kinds([query(AUTHOR, 0, 1, [7]), hash, query(AUTHOR, 5, 6, ['7'])]), []);
});

test('serial reads: the second issued right after the first, given nothing it returned, trips it', () => {
  const article = query(ARTICLE, 0, 3, ['a-slug'], [[41, 'a-slug', 'A title']]);
  const comments = query(COMMENTS, 3.4, 6, ['a-slug'], [[1, 'nice']]);
  const warnings = analyseTrace(trace([article, comments]));
  assert.deepEqual(
    warnings.map((w) => w.kind),
    ['serial-reads'],
  );
  assert.deepEqual(warnings[0]!.spans, [0, 1]);
  assert.match(warnings[0]!.detail, /about 2\.60 ms less/);
});

test('serial reads: not tripped when the second was given a value the first returned', () => {
  const article = query(ARTICLE, 0, 3, ['a-slug'], [[41, 'a-slug', 'A title']]);
  assert.deepEqual(kinds([article, query(COMMENTS_BY_ID, 3.4, 6, [41])]), []);
  // The slug came back too, but the first read was given it: it is not something the second learnt from it.
  assert.deepEqual(kinds([article, query(COMMENTS, 3.4, 6, ['a-slug'])]), ['serial-reads']);
});

test('serial reads: not tripped when they overlap, are far apart, something ran between, or one writes', () => {
  const article = () => query(ARTICLE, 0, 3, ['a-slug'], [[41, 'a-slug', 'A title']]);
  assert.deepEqual(kinds([article(), query(COMMENTS, 1, 4, ['a-slug'])]), [], 'in flight together');
  assert.deepEqual(kinds([article(), query(COMMENTS, 8.5, 10, ['a-slug'])]), [], 'more than 5 ms apart');
  const hash: Span = { kind: 'io', name: 'scrypt', peer: 'Hash pool', start: 2, end: 3.2 };
  assert.deepEqual(kinds([article(), hash, query(COMMENTS, 3.4, 6, ['a-slug'])]), [], 'a hash in between');
  const write = query('insert into "favorites" ("user_id", "article_id") values ($1, $2)', 0, 3, [1, 41]);
  assert.deepEqual(kinds([write, query(ARTICLE, 3.4, 6, ['a-slug'])]), [], 'after a write');
  const locking = query(`${ARTICLE} for update`, 0, 3, ['a-slug'], [[41, 'a-slug', 'A']]);
  assert.deepEqual(kinds([locking, query(COMMENTS, 3.4, 6, ['a-slug'])]), [], 'a locking read');
});

test('serial reads: not tripped inside a transaction, nor when the first result was too large to compare', () => {
  const spans = [
    query('begin', 0, 0.5, []),
    query(ARTICLE, 0.6, 3, ['a-slug'], [[41, 'a-slug', 'A title']]),
    query(COMMENTS, 3.4, 6, ['a-slug']),
    query('commit', 6.1, 6.5, []),
  ];
  assert.deepEqual(kinds(spans), []);
  const many = Array.from({ length: 1_100 }, (_, i) => [i]);
  assert.deepEqual(kinds([query(ARTICLE, 0, 3, ['a-slug'], many), query(COMMENTS, 3.4, 6, ['a-slug'])]), []);
});

test('serial reads: a pool wait right after the first read counts as part of the second round trip', () => {
  const article = query(ARTICLE, 0, 3, ['a-slug'], [[41, 'a-slug', 'A title']]);
  const wait: Span = {
    kind: 'pool-wait',
    name: 'wait for a pool connection',
    peer: 'Pool',
    start: 3.2,
    end: 8,
  };
  const comments = query(COMMENTS, 8.05, 10, ['a-slug']);
  assert.deepEqual(kinds([article, wait, comments]), ['serial-reads']);
  assert.equal(connectionWaits(trace([article, wait, comments])).get(comments), wait);
  assert.equal(connectionWaits(trace([article, wait, comments])).get(article), undefined);
});

test('docs/tracing.md states the serial-reads rule word for word, as the page does', async () => {
  const docs = await readFile(new URL('../../docs/tracing.md', import.meta.url), 'utf8');
  const oneLine = (text: string) => text.replace(/\s+/g, ' ');
  assert.ok(oneLine(docs).includes(oneLine(SERIAL_RULE)), 'docs/tracing.md quotes SERIAL_RULE');
});
