// Starts a trace for every request (when tracing or OTLP export is on), records the handler as a span, and
// hands the finished trace to the store (/_gather/traces) and the OpenTelemetry exporter.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { OtelExporter } from './otel.ts';
import { endSpan, monotonicNow, newTrace, type RequestTrace, runInTrace, startSpan } from './recorder.ts';
import type { TraceStore } from './trace-store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    trace: RequestTrace | null;
  }
  interface FastifyContextConfig {
    /** false: requests to this route are not traced (the trace viewer's own pages). */
    trace?: boolean;
  }
}

export type TracingOptions = {
  /** Keeps finished traces for the viewer; undefined when only exporting. */
  store: TraceStore | undefined;
  exporter: OtelExporter | undefined;
};

export const tracingPlugin = fp<TracingOptions>(
  async (app: FastifyInstance, { store, exporter }) => {
    app.decorateRequest('trace', null);
    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.config.trace === false) return done();
      const trace = newTrace(String(request.id), request.method, request.url);
      request.trace = trace;
      reply.header('x-trace-id', trace.id);
      // Everything the request awaits from here on runs inside this trace.
      runInTrace(trace, done);
    });
    // The handler span: from the last step before the handler (validation and auth are done) to the reply.
    app.addHook('preHandler', (request, _reply, done) => {
      if (request.trace !== null) {
        startSpan('handler', `${request.method} ${request.routeOptions.url ?? request.url}`, 'Gather');
      }
      done();
    });
    app.addHook('onSend', (request, _reply, payload, done) => {
      const handler = request.trace?.spans.find((span) => span.kind === 'handler');
      if (handler !== undefined && Number.isNaN(handler.end)) endSpan(handler);
      done(null, payload);
    });
    app.addHook('onResponse', async (request, reply) => {
      const trace = request.trace;
      if (trace === null) return;
      trace.end = monotonicNow();
      trace.status = reply.statusCode;
      trace.route = request.routeOptions.url ?? '';
      store?.add(trace);
      exporter?.export(trace);
    });
    if (exporter !== undefined) app.addHook('onClose', () => exporter.shutdown());
  },
  { name: 'gather-tracing' },
);
