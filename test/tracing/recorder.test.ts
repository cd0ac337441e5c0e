// recordSpan: a span per call inside a trace (errors included), nothing at all outside one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTrace, recordSpan, runInTrace } from '../../src/tracing/recorder.ts';

test('outside a trace recordSpan only runs the call; a throwing call is a rejected promise', async () => {
  assert.equal(await recordSpan('query', 'select 1', 'Database', async () => 1), 1);
  const thrown = recordSpan('query', 'select 1', 'Database', () => {
    throw new Error('sync');
  });
  await assert.rejects(thrown, /sync/);
});

test('inside a trace each call is a span with monotonic sub-ms times, and a failure keeps its message', async () => {
  const trace = newTrace('r1', 'GET', '/x');
  await runInTrace(trace, async () => {
    await recordSpan('query', 'select 1', 'Database', () => new Promise((resolve) => setTimeout(resolve, 2)));
    await assert.rejects(
      recordSpan('query', 'select broken', 'Database', async () => {
        throw new Error('syntax error');
      }),
    );
    await assert.rejects(
      recordSpan('io', 'GET cache', 'Redis', () => {
        throw new Error('sync failure');
      }),
    );
  });
  assert.deepEqual(
    trace.spans.map((span) => [span.name, span.error]),
    [
      ['select 1', undefined],
      ['select broken', 'syntax error'],
      ['GET cache', 'sync failure'],
    ],
  );
  const [slept] = trace.spans;
  assert.ok(slept!.end - slept!.start >= 1.5, 'the span covers the call');
  assert.ok(!Number.isInteger(slept!.start) || !Number.isInteger(slept!.end), 'sub-millisecond times');
  for (const span of trace.spans) assert.ok(span.end >= span.start);
});

test('a query span keeps its row count and hashes of its values, never the values', async () => {
  const trace = newTrace('r2', 'GET', '/x');
  const rows = [['secret@example.com', 41]];
  await runInTrace(trace, () =>
    recordSpan('query', 'select email, id from users where name = $1', 'Database', async () => ({ rows }), [
      'jake',
    ]),
  );
  const facts = trace.spans[0]!.query!;
  assert.equal(facts.rows, 1);
  assert.equal(facts.paramHashes.size, 1);
  assert.equal(facts.resultHashes?.size, 2);
  assert.ok(
    !JSON.stringify(trace, (_key, value) => (value instanceof Set ? [...value] : value)).includes('secret'),
  );
  // The same parameters, the same hash; others, another.
  await runInTrace(trace, async () => {
    await recordSpan('query', 'q', 'Database', async () => ({ rows: [] }), ['jake']);
    await recordSpan('query', 'q', 'Database', async () => ({ rows: [] }), ['ann']);
  });
  const [, same, other] = trace.spans.map((span) => span.query!.paramsHash);
  assert.equal(same, facts.paramsHash);
  assert.notEqual(other, facts.paramsHash);
});
