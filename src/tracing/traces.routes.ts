// The trace viewer: /_gather/traces (recent requests), /_gather/traces/:id (the diagram, drawn in the
// browser) and /_gather/traces/:id.mmd (the Mermaid text). Registered only when tracing is on; hidden from
// OpenAPI; never traced themselves (they would crowd out the requests they show).
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../http/errors.ts';
import { renderSequenceDiagram } from './mermaid.ts';
import {
  MERMAID_SCRIPT_PATH,
  TRACES_PATH,
  traceListPage,
  tracePage,
  VIEWER_SCRIPT_PATH,
} from './trace-pages.ts';
import type { TraceStore } from './trace-store.ts';

const MERMAID_FILE = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
const VIEWER_FILE = new URL('./trace-viewer.js', import.meta.url);

const routeOptions = { schema: { hide: true }, config: { trace: false } } as const;

type TraceParams = { Params: { id: string } };

export function tracesRoutes(store: TraceStore) {
  return async function traceViewer(app: FastifyInstance): Promise<void> {
    const find = (id: string) => {
      const trace = store.get(id);
      if (trace === undefined) throw notFound('trace');
      return trace;
    };

    app.get(TRACES_PATH, routeOptions, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(traceListPage(store.list())),
    );
    app.get<TraceParams>(`${TRACES_PATH}/:id.mmd`, routeOptions, async (request, reply) =>
      reply.type('text/plain; charset=utf-8').send(renderSequenceDiagram(find(request.params.id))),
    );
    app.get<TraceParams>(`${TRACES_PATH}/:id`, routeOptions, async (request, reply) =>
      reply.type('text/html; charset=utf-8').send(tracePage(find(request.params.id))),
    );
    app.get(MERMAID_SCRIPT_PATH, routeOptions, async (_request, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(createReadStream(MERMAID_FILE)),
    );
    app.get(VIEWER_SCRIPT_PATH, routeOptions, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(createReadStream(VIEWER_FILE)),
    );
  };
}
