// OpenTelemetry export, switched on by the standard OTEL_* variables: a local OTLP/HTTP collector receives
// the request's server span and one child per database round trip, with the recorder's sub-ms times.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/settings.ts';
import { toHrTime } from '../../src/tracing/otel.ts';
import { call } from '../../tools/harness/factories.ts';
import { bootTestApp } from '../../tools/harness/test-app.ts';

type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
};
type OtlpRequest = {
  resourceSpans: {
    resource: { attributes: OtlpSpan['attributes'] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
};

let collector: Server;
let endpoint: string;
const received: { path: string; headers: Record<string, unknown>; body: OtlpRequest }[] = [];

before(async () => {
  collector = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: JSON.parse(body) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => collector.close(() => resolve())));

const attribute = (attributes: OtlpSpan['attributes'], key: string) => {
  const value = attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
};

test('OTEL_EXPORTER_OTLP_ENDPOINT switches export on, even with the trace viewer off', async () => {
  const t = await bootTestApp({
    GATHER_TRACE: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret%21',
    OTEL_SERVICE_NAME: 'gather-under-test',
  });
  let response: Awaited<ReturnType<typeof call>>;
  try {
    response = await call(t.app, 'GET', '/api/articles?limit=3');
    assert.equal(response.status, 200);
    assert.equal((await call(t.app, 'GET', '/_gather/traces')).status, 404, 'the viewer stays off');
  } finally {
    await t.close(); // flushes the batch to the collector
  }
  assert.ok(received.length >= 1, 'the collector received the spans');
  assert.equal(received[0]!.path, '/v1/traces');
  assert.equal(received[0]!.headers['x-api-key'], 's3cret!');
  const resource = received[0]!.body.resourceSpans[0]!.resource;
  assert.equal(attribute(resource.attributes, 'service.name'), 'gather-under-test');

  const spans = received.flatMap((r) =>
    r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
  );
  // OTLP numbers span kinds INTERNAL 1, SERVER 2, CLIENT 3.
  const root = spans.find((span) => span.parentSpanId === undefined || span.parentSpanId === '')!;
  assert.ok(root, spans.map((span) => span.name).join(', '));
  assert.equal(root.name, 'GET /api/articles');
  assert.equal(root.kind, 2, 'SERVER');
  assert.equal(attribute(root.attributes, 'http.response.status_code'), 200);
  assert.equal(attribute(root.attributes, 'gather.trace_id'), response.headers['x-trace-id']);

  const children = spans.filter((span) => span.parentSpanId === root.spanId);
  const queries = children.filter((span) => span.name === 'db.query');
  assert.equal(queries.length, 2, 'the page and its count');
  assert.ok(
    children.some((span) => span.name === 'GET /api/articles' && span.kind === 1),
    'the handler span',
  );
  for (const span of children) {
    assert.equal(span.traceId, root.traceId);
    assert.ok(BigInt(span.startTimeUnixNano) >= BigInt(root.startTimeUnixNano));
    assert.ok(BigInt(span.endTimeUnixNano) <= BigInt(root.endTimeUnixNano));
  }
  for (const span of queries) {
    assert.equal(span.kind, 3, 'CLIENT');
    assert.match(String(attribute(span.attributes, 'db.query.text')), /^select /);
  }
  // Sub-millisecond times: OpenTelemetry's own clock would make every one of these a whole millisecond.
  const nanos = [root, ...children].flatMap((span) => [span.startTimeUnixNano, span.endTimeUnixNano]);
  assert.ok(
    nanos.some((value) => BigInt(value) % 1_000_000n !== 0n),
    nanos.join(' '),
  );
});

test('toHrTime keeps the monotonic clock’s sub-millisecond part', () => {
  const [seconds, nanos] = toHrTime(1.234567);
  const epochMs = performance.timeOrigin + 1.234567;
  assert.equal(seconds, Math.floor(epochMs / 1000));
  assert.ok(Math.abs(nanos - (epochMs - seconds * 1000) * 1e6) < 1_000, 'within a microsecond');
  assert.ok(nanos >= 0 && nanos < 1e9);
});

test('the OTEL_* variables: off unless asked for; the traces endpoint is used as is, the general one gets /v1/traces', () => {
  assert.equal(loadConfig({}).otel, undefined);
  assert.equal(
    loadConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).otel,
    undefined,
  );
  assert.equal(
    loadConfig({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).otel,
    undefined,
  );
  assert.equal(
    loadConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).otel?.tracesUrl,
    'http://localhost:4318/v1/traces',
  );
  assert.equal(
    loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).otel?.tracesUrl,
    'http://c:4318/v1/traces',
  );
  assert.equal(
    loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x',
    }).otel?.tracesUrl,
    'http://t/x',
  );
  assert.throws(() => loadConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }), ConfigError);
  assert.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4318' }), ConfigError);
  assert.throws(
    () => loadConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }),
    ConfigError,
  );
});
