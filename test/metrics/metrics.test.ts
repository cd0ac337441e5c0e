import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call } from '../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Prometheus text exposition → samples; throws on any line that is not a comment or a well-formed sample. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of match[2]?.match(/[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"/g) ?? []) {
      const at = pair.indexOf('=');
      labels[pair.slice(0, at)] = pair.slice(at + 2, -1);
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('GET /metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await bootTestApp();
  });
  after(() => t.close());

  test('Prometheus text with durations by route and status, loop delay, pool and database label', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await call(t.app, 'GET', '/api/tags')).status, 200);
    assert.equal((await call(t.app, 'GET', '/api/articles/no-such-article')).status, 404);
    assert.equal((await call(t.app, 'GET', '/no/such/route')).status, 404);

    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(response.body);

    const count = (route: string, status: string) =>
      find(samples, 'gather_http_request_duration_seconds_count', { route, method: 'GET', status })[0]?.value;
    assert.equal(count('/api/tags', '200'), 3);
    assert.equal(count('/api/articles/:slug', '404'), 1);
    assert.equal(count('unmatched', '404'), 1);
    const buckets = find(samples, 'gather_http_request_duration_seconds_bucket', { route: '/api/tags' });
    assert.equal(buckets.at(-1)?.labels.le, '+Inf');
    assert.equal(buckets.at(-1)?.value, 3);

    assert.equal(find(samples, 'gather_process_requests_total', { pid: String(process.pid) })[0]?.value, 5);
    const loopDelay = find(samples, 'gather_event_loop_delay_seconds', { quantile: '0.99' });
    assert.equal(loopDelay.length, 1);
    assert.ok(loopDelay[0]!.value >= 0);

    const pool = find(samples, 'gather_db_pool_connections');
    if (t.database.kind === 'postgres') {
      assert.deepEqual(pool.map((s) => s.labels.state).sort(), ['idle', 'in_use']);
      assert.ok(pool.reduce((sum, s) => sum + s.value, 0) >= 1, 'the pool holds the connections it used');
      assert.equal(find(samples, 'gather_db_pool_waiting_requests')[0]?.value, 0);
    } else {
      assert.equal(pool.length, 0, 'PGlite has no pool');
    }
    assert.ok(samples.length > 0);
    for (const sample of samples) assert.equal(sample.labels.database, t.database.kind, sample.name);
  });

  test('hidden from the OpenAPI document', async () => {
    const document = await call(t.app, 'GET', '/openapi.json');
    assert.equal(document.status, 200);
    assert.ok(!Object.keys(document.body.paths).some((path) => path.includes('metrics')));
  });
});

test('GATHER_METRICS=0 turns /metrics off', async () => {
  const t = await bootTestApp({ GATHER_METRICS: '0' });
  try {
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  } finally {
    await t.close();
  }
});
