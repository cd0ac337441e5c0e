// The trace viewer: /_gather/traces (recent requests, filtered; new ones pushed live through
// /_gather/traces/events, server-sent events), /_gather/traces/:id (one request: warnings, waterfall, the
// diagram drawn in the browser), /_gather/traces/:id.mmd (the Mermaid text) and /_gather/traces/compare.
// Registered only when tracing is on; hidden from OpenAPI; never traced themselves (they would crowd out the
// requests they show).
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../http/errors.ts';
import { Type } from '../http/typebox.ts';
import { renderSequenceDiagram } from './mermaid.ts';
import { matches, TraceListQuery, traceFilter, traceListPage, traceRow } from './trace-list.ts';
import {
  COMPARE_PATH,
  comparePage,
  EVENTS_PATH,
  LIST_SCRIPT_PATH,
  MERMAID_SCRIPT_PATH,
  TRACES_PATH,
  tracePage,
  VIEWER_SCRIPT_PATH,
} from './trace-pages.ts';
import type { TraceStore } from './trace-store.ts';

/**
 * Mermaid's browser bundle, which draws the diagram. A devDependency (the package and its dependencies are
 * half of node_modules): a production install has none, and its trace page shows the diagram's Mermaid text.
 */
function mermaidBundle(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
  } catch {
    return undefined;
  }
}

const SCRIPTS = new Map([
  [VIEWER_SCRIPT_PATH, new URL('./trace-viewer.js', import.meta.url)],
  [LIST_SCRIPT_PATH, new URL('./trace-list.js', import.meta.url)],
]);

const config = { trace: false } as const;
const routeOptions = { schema: { hide: true }, config } as const;

type TraceParams = { Params: { id: string } };
type ListQuery = { Querystring: typeof TraceListQuery.static };

const CompareQuery = Type.Object({ a: Type.String(), b: Type.String() });

/** One server-sent event: a name and its data, one `data:` field per line. */
const serverSentEvent = (event: string, data: string): string =>
  `event: ${event}\n${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;

export function tracesRoutes(store: TraceStore) {
  return async function traceViewer(app: FastifyInstance): Promise<void> {
    const find = (id: string) => {
      const trace = store.get(id);
      if (trace === undefined) throw notFound('trace');
      return trace;
    };

    app.get<ListQuery>(
      TRACES_PATH,
      { schema: { hide: true, querystring: TraceListQuery }, config },
      async (request, reply) =>
        reply.type('text/html; charset=utf-8').send(traceListPage(store.list(), traceFilter(request.query))),
    );

    // Open event streams, ended before the server closes: an open response would hold app.close() forever.
    const streams = new Set<PassThrough>();
    app.addHook('preClose', (done) => {
      for (const stream of streams) stream.end();
      done();
    });
    app.get<ListQuery>(
      EVENTS_PATH,
      { schema: { hide: true, querystring: TraceListQuery }, config },
      async (request, reply) => {
        const filter = traceFilter(request.query);
        const stream = new PassThrough();
        streams.add(stream);
        const unsubscribe = store.subscribe((trace) => {
          if (matches(filter, trace)) stream.write(serverSentEvent('trace', traceRow(trace)));
        });
        const stop = () => {
          unsubscribe();
          streams.delete(stream);
          stream.end();
        };
        request.raw.once('close', stop);
        stream.once('end', stop);
        // A first event at once: the browser's EventSource reports the stream open.
        stream.write('retry: 2000\n: new traces follow\n\n');
        return reply
          .type('text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(stream);
      },
    );

    app.get<{ Querystring: typeof CompareQuery.static }>(
      COMPARE_PATH,
      { schema: { hide: true, querystring: CompareQuery }, config },
      async (request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .send(comparePage(find(request.query.a), find(request.query.b))),
    );
    app.get<TraceParams>(`${TRACES_PATH}/:id.mmd`, routeOptions, async (request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(renderSequenceDiagram(find(request.params.id), { fullSql: true })),
    );
    app.get<TraceParams>(`${TRACES_PATH}/:id`, routeOptions, async (request, reply) =>
      reply.type('text/html; charset=utf-8').send(tracePage(find(request.params.id))),
    );
    const mermaid = mermaidBundle();
    if (mermaid !== undefined) {
      app.get(MERMAID_SCRIPT_PATH, routeOptions, async (_request, reply) =>
        reply
          .type('text/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=3600')
          .send(createReadStream(mermaid)),
      );
    }
    for (const [path, file] of SCRIPTS) {
      app.get(path, routeOptions, async (_request, reply) =>
        reply.type('text/javascript; charset=utf-8').send(createReadStream(file)),
      );
    }
  };
}
