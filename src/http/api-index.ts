// GET /api: where to start. The links this process serves, and every operation of the API as /openapi.json lists
// it (so the index cannot drift from the routes). Gather's own; RealWorld has no route at /api.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { ApiTag } from './openapi.ts';
import { errorResponses } from './schemas.ts';
import { Type } from './typebox.ts';

/** The index's own OpenAPI tag: it is Gather's, not RealWorld's. */
export const INDEX_TAG: ApiTag = {
  name: 'Index',
  description: "Gather's own (not in RealWorld): where to start",
};

const Link = (description: string) => Type.String({ description });

export const ApiIndex = Type.Object(
  {
    name: Type.String({ examples: ['Gather — RealWorld Conduit API'] }),
    version: Type.String({ examples: ['0.1.0'] }),
    links: Type.Object({
      docs: Link('Swagger UI: read and try every operation'),
      openapi: Link('This API as an OpenAPI 3.1 document'),
      traces: Type.Optional(Link("Each request's I/O as a diagram; only when tracing is on (GATHER_TRACE)")),
      health: Link('The process is up'),
      ready: Link('The database answers'),
      metrics: Type.Optional(Link('Prometheus metrics; only when on (GATHER_METRICS)')),
    }),
    operations: Type.Array(
      Type.Object({
        method: Type.String({ examples: ['GET'] }),
        path: Type.String({ examples: ['/api/articles/{slug}'] }),
        operationId: Type.String({ examples: ['GetArticle'] }),
        summary: Type.String({ examples: ['Get an article'] }),
      }),
      { description: 'Every operation of /openapi.json, in its order' },
    ),
  },
  { $id: 'ApiIndex' },
);

type ApiIndexDto = Static<typeof ApiIndex>;

export type ApiIndexOptions = Readonly<{
  /** Where the trace viewer is, when tracing is on. */
  tracesPath: string | undefined;
  metrics: boolean;
}>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

/** The route, to be registered under the /api prefix (the OpenAPI document's server). */
export function apiIndexRoutes({ tracesPath, metrics }: ApiIndexOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Built from the OpenAPI document on the first request: it lists every route, so it is complete only then.
    let index: ApiIndexDto | undefined;
    const buildIndex = (): ApiIndexDto => {
      const document = app.swagger();
      const paths: Record<
        string,
        Partial<Record<Method, { operationId?: string; summary?: string }>> | undefined
      > = document.paths ?? {};
      return {
        name: document.info.title,
        version: document.info.version,
        links: {
          docs: '/docs',
          openapi: '/openapi.json',
          ...(tracesPath === undefined ? {} : { traces: tracesPath }),
          health: '/healthz',
          ready: '/readyz',
          ...(metrics ? { metrics: '/metrics' } : {}),
        },
        operations: Object.entries(paths).flatMap(([path, item]) =>
          METHODS.flatMap((method) => {
            const operation = item?.[method];
            if (operation === undefined) return [];
            return [
              {
                method: method.toUpperCase(),
                path: `${app.prefix}${path}`,
                operationId: operation.operationId ?? '',
                summary: operation.summary ?? '',
              },
            ];
          }),
        ),
      };
    };

    app.get('/', {
      // Registered as /api/ (ignoreTrailingSlash answers /api as well): OpenAPI's path is then "/", not "".
      prefixTrailingSlash: 'slash',
      schema: {
        tags: [INDEX_TAG.name],
        operationId: 'GetApiIndex',
        summary: 'Where to start: documentation, traces and every operation',
        description:
          "Gather's own (not in RealWorld): links to Swagger UI, this document, the trace viewer (when tracing " +
          'is on), health and metrics, and every operation with its method and path.',
        response: { 200: Type.Ref(ApiIndex), ...errorResponses() },
      },
      handler: async () => {
        index ??= buildIndex();
        return index;
      },
    });
  };
}
