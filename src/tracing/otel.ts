// OpenTelemetry export of the recorder's traces: each finished request becomes a server span with one child
// per recorded span, sent over OTLP/HTTP when the OTEL_* variables ask for it (see config.ts).
// The spans keep the recorder's monotonic sub-millisecond times (OpenTelemetry's own clock is 1 ms coarse).
import { type HrTime, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace as traceApi } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { OtelSettings } from '../config.ts';
import { VERSION } from '../version.ts';
import type { RequestTrace, Span } from './recorder.ts';

/** performance.now() milliseconds → OpenTelemetry [seconds, nanoseconds] since the epoch, sub-ms kept. */
export function toHrTime(monotonicMs: number): HrTime {
  const epochMs = performance.timeOrigin + monotonicMs;
  const seconds = Math.floor(epochMs / 1000);
  const nanos = Math.min(Math.round((epochMs - seconds * 1000) * 1e6), 999_999_999);
  return [seconds, nanos];
}

const KIND: Record<Span['kind'], SpanKind> = {
  handler: SpanKind.INTERNAL,
  query: SpanKind.CLIENT,
  'pool-wait': SpanKind.INTERNAL,
  io: SpanKind.CLIENT,
  flush: SpanKind.INTERNAL,
};

function attributesOf(span: Span): Record<string, string | number> {
  if (span.kind === 'query') {
    const rows = span.query?.rows;
    return {
      'db.system.name': 'postgresql',
      'db.query.text': span.name,
      ...(rows !== undefined && { 'db.response.returned_rows': rows }),
    };
  }
  return { 'gather.peer': span.peer };
}

export class OtelExporter {
  readonly #provider: NodeTracerProvider;

  /** `spanExporter` defaults to OTLP/HTTP at settings.tracesUrl; tests pass an in-memory one. */
  constructor(settings: OtelSettings, spanExporter?: SpanExporter) {
    const exporter =
      spanExporter ?? new OTLPTraceExporter({ url: settings.tracesUrl, headers: { ...settings.headers } });
    this.#provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': VERSION }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
  }

  /** Queues the spans of one finished request (the batch processor sends them in the background). */
  export(trace: RequestTrace): void {
    const tracer = this.#provider.getTracer('gather', VERSION);
    const route = trace.route === '' ? trace.url : trace.route;
    const root = tracer.startSpan(
      `${trace.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        startTime: toHrTime(trace.start),
        attributes: {
          'http.request.method': trace.method,
          'http.route': route,
          'url.path': trace.url,
          'http.response.status_code': trace.status,
          'gather.trace_id': trace.id,
        },
      },
      ROOT_CONTEXT,
    );
    if (trace.status >= 500) root.setStatus({ code: SpanStatusCode.ERROR });
    const parent = traceApi.setSpan(ROOT_CONTEXT, root);
    for (const span of trace.spans) {
      const child = tracer.startSpan(
        span.kind === 'query' ? 'db.query' : span.name,
        { kind: KIND[span.kind], startTime: toHrTime(span.start), attributes: attributesOf(span) },
        parent,
      );
      if (span.error !== undefined) child.setStatus({ code: SpanStatusCode.ERROR, message: span.error });
      child.end(toHrTime(Number.isNaN(span.end) ? trace.end : span.end));
    }
    root.end(toHrTime(trace.end));
  }

  /** Sends what is queued and stops. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}
