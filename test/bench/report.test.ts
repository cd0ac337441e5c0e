// The benchmark's verdicts: a page size that adds round trips, a non-2xx, or a slow Gather must FAIL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hardChecks,
  markdownTable,
  type ReplicaRow,
  type ResultRow,
  replicaChecks,
  replicaTable,
  targetChecks,
} from '../../bench/lib/report.ts';

const row = (overrides: Partial<ResultRow>): ResultRow => ({
  name: 'list articles',
  method: 'GET',
  path: '/api/articles?limit=20',
  connections: 64,
  rps: 1000,
  p50_ms: 10,
  p99_ms: 40,
  non2xx: 0,
  round_trips: 2,
  rss_mb: 150,
  cpu_us: 300,
  floor_rps: null,
  floor_p99_ms: null,
  floor_cpu_us: null,
  ratio: null,
  ...overrides,
});

const failed = (checks: { pass: boolean; text: string }[]) =>
  checks.filter((c) => !c.pass).map((c) => c.text);

test('hard checks: constant round trips and no errors pass; growth, > 3 or a non-2xx fail', () => {
  const list = { name: 'list articles', write: false, roundTrips: 2, small: 2, large: 2 };
  assert.deepEqual(failed(hardChecks([row({})], [list])), []);
  assert.match(
    failed(hardChecks([row({})], [{ ...list, large: 21 }]))[0]!,
    /2 round trips at limit=1, 21 at limit=100/,
  );
  assert.match(failed(hardChecks([row({})], [{ ...list, roundTrips: 4 }]))[0]!, /4 round trips per request/);
  assert.match(failed(hardChecks([row({ non2xx: 3 })], [list]))[0]!, /list articles @64: 3/);
  // Writes may take more round trips (auth, the write, the read back): not held to the read target.
  assert.deepEqual(failed(hardChecks([row({})], [{ name: 'favorite', write: true, roundTrips: 4 }])), []);
});

test('target checks compare with the floor at the highest connection count, and the RSS idle and under load', () => {
  const fast = row({ floor_rps: 1000, floor_p99_ms: 40, floor_cpu_us: 290, ratio: 1, rss_mb: 140 });
  assert.deepEqual(failed(targetChecks([row({ connections: 1, p99_ms: 500, rss_mb: 140 }), fast], 75)), []);
  const slow = row({
    rps: 880,
    p99_ms: 60,
    cpu_us: 330,
    floor_rps: 1000,
    floor_p99_ms: 40,
    floor_cpu_us: 290,
    ratio: 0.88,
    rss_mb: 151,
  });
  const texts = failed(targetChecks([slow], 81));
  assert.equal(texts.length, 5);
  assert.match(texts[0]!, /0\.88 × floor/);
  assert.match(texts[1]!, /1\.50 × floor/);
  assert.match(texts[2]!, /330 CPU µs\/req = 1\.14 × floor/);
  assert.match(texts[3]!, /largest RSS 151 MB/);
  assert.match(texts[4]!, /idle RSS 81 MB/);
});

test('the table has one line per row, floor cells blank where there is no floor', () => {
  const lines = markdownTable([
    row({}),
    row({ name: 'article', floor_rps: 900, floor_p99_ms: 30, floor_cpu_us: 250, ratio: 1.11 }),
  ]).split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[2]!, /\| list articles +\| +64 \| +1000 \|.*\| +300 \| +– \| +– \| +– \| +– \|$/);
  assert.match(lines[3]!, /\| +900 \| +30\.0 \| +250 \| +1\.11 \|$/);
});

test('replica checks: the replica must serve ≥ 80 % of reads, and no request may fail', () => {
  const replicaRow = (overrides: Partial<ReplicaRow>): ReplicaRow => ({
    name: 'article',
    path: '/api/articles/a',
    connections: 64,
    replicas: 1,
    rps: 1000,
    p50_ms: 10,
    p99_ms: 40,
    non2xx: 0,
    cpu_us: 300,
    primary_reads: 0,
    replica_reads: 1,
    replica_share: 1,
    primary_pg_cpu_us: 20,
    replica_pg_cpu_us: 200,
    ...overrides,
  });
  const alone = replicaRow({ replicas: 0, primary_reads: 1, replica_reads: 0, replica_share: 0 });
  const checks = replicaChecks([alone, replicaRow({})]);
  assert.deepEqual(failed(checks), []);
  assert.match(checks[1]!.text, /served 100 % of reads, target ≥ 80 %; primary reads\/request 1\.00 → 0\.00/);
  const texts = failed(
    replicaChecks([alone, replicaRow({ replica_share: 0.5, primary_reads: 0.5, non2xx: 2 })]),
  );
  assert.equal(texts.length, 2);
  assert.match(texts[0]!, /article @64 with a replica: 2/);
  assert.match(texts[1]!, /served 50 % of reads/);
  assert.equal(replicaTable([alone, replicaRow({})]).split('\n').length, 4);
});
