// OpenAPI 3.1 from the routes' TypeBox schemas, served at /openapi.json, and Swagger UI at /docs
// (its assets come from node_modules; no CDN).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/openapi.json';

/** An OpenAPI tag: a group of operations in Swagger UI, and what they are for. */
export type ApiTag = Readonly<{ name: string; description: string }>;

/** Swagger UI's top bar shows Gather's name in place of the Swagger logo (an image: the CSP allows data:). */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="40" viewBox="0 0 132 40">' +
  '<text x="0" y="29" font-family="sans-serif" font-size="28" font-weight="700" fill="#ffffff">Gather</text></svg>';

/** The browser tab's title on /docs. */
export const DOCS_TITLE = 'Gather API — Swagger UI';

/** `tags`: the operations' tags with what each is for, in the order Swagger UI shows them. */
export async function registerOpenApi(
  app: FastifyInstance,
  version: string,
  tags: readonly ApiTag[],
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gather — RealWorld Conduit API',
        description:
          'An async RealWorld (Conduit) backend: independent queries run concurrently, every response ' +
          'is a typed DTO. Authenticate with `Authorization: Token <jwt>` from /users or /users/login.',
        version,
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      // Routes live under /api; the paths in this document are relative to it, as in the RealWorld spec.
      servers: [{ url: '/api' }],
      tags: [...tags],
      components: {
        securitySchemes: {
          Token: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The JWT from /users or /users/login, sent as `Token xxxxxx.yyyyyyy.zzzzzz`.',
          },
        },
      },
    },
    // Only the API goes into the document; operational routes are hidden with `hide: true`.
    hideUntagged: true,
    // The named models (app.addSchema) keep their $id as their name: #/components/schemas/Article, not def-3,
    // so that code generators name their types as RealWorld does.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    theme: { title: DOCS_TITLE },
    logo: { type: 'image/svg+xml', content: LOGO_SVG, href: '/docs', target: '_self' },
    // Swagger UI loads /openapi.json, the address to give a client generator. The plugin forces `url` to its
    // own /docs/json; `urls` (a list, here of one) takes precedence over `url` in Swagger UI.
    uiConfig: { docExpansion: 'list', deepLinking: true, urls: [{ url: OPENAPI_PATH, name: OPENAPI_PATH }] },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
