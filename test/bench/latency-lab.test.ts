// The latency lab on a short run (PostgreSQL only: the delay proxy sits in front of a TCP server). Checks the
// lab's shape, not its speed (that is the bench's PASS/FAIL): every round trip pays the added RTT, the serial
// flow's queries follow one another, the concurrent flow's overlap, and both diagrams pass Mermaid's parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyLab } from '../../bench/lib/latency-lab.ts';
import { renderSequenceDiagram } from '../../src/tracing/mermaid.ts';
import { overlaps, querySpans } from '../../src/tracing/recorder.ts';
import { parseSequence } from '../helpers/parse-diagram.ts';

const databaseUrl = process.env.DATABASE_URL;
const RTT_MS = 10;

test('latency lab: serial queries in sequence, concurrent ones together, each paying the added RTT', {
  skip: databaseUrl ? false : 'needs PostgreSQL: set DATABASE_URL',
  timeout: 60_000,
}, async () => {
  const lab = await latencyLab({ databaseUrl: databaseUrl!, rttMs: RTT_MS, runs: 3, ladderSamples: 3 });
  assert.equal(lab.serial.ms.length, 3);
  assert.equal(lab.concurrent.ms.length, 3);

  const [article, comments, ...more] = querySpans(lab.serial.trace);
  assert.ok(article && comments && more.length === 0, 'serial: two round trips');
  assert.ok(comments.start >= article.end, 'serial: the comments query starts after the article answered');
  for (const span of [article, comments]) {
    assert.ok(
      span.end - span.start >= RTT_MS - 1,
      `a round trip took ${(span.end - span.start).toFixed(1)} ms`,
    );
  }
  const [first, second, ...extra] = querySpans(lab.concurrent.trace);
  assert.ok(first && second && extra.length === 0, 'concurrent: two round trips');
  assert.ok(overlaps(first, second), 'concurrent: both queries in flight together');

  const serialDiagram = await parseSequence(renderSequenceDiagram(lab.serial.trace));
  const concurrentDiagram = await parseSequence(renderSequenceDiagram(lab.concurrent.trace));
  assert.ok(!serialDiagram.statements.some((s) => s.type === 'par'), 'serial: no par block');
  assert.ok(
    concurrentDiagram.statements.some((s) => s.type === 'par'),
    'concurrent: a par block',
  );

  const [direct, proxied] = lab.databaseRungs;
  assert.ok(direct && proxied && proxied.ms >= RTT_MS - 1 && direct.ms < proxied.ms);
});
