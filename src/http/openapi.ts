// OpenAPI 3.1 from the routes' TypeBox schemas, served at /openapi.json, and Swagger UI at /docs
// (its assets come from node_modules; no CDN).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/openapi.json';

export const API_TAGS = [
  { name: 'User and Authentication', description: 'Register, log in, read and update yourself' },
  { name: 'Profile', description: 'Profiles and following' },
  { name: 'Articles', description: 'Articles, the global list and your feed' },
  { name: 'Comments', description: 'Comments on an article' },
  { name: 'Favorites', description: 'Favoriting articles' },
  { name: 'Tags', description: 'Tags in use' },
  { name: 'Index', description: "Gather's own (not in RealWorld): where to start" },
];

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
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
      tags: API_TAGS,
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
    // Swagger UI loads /openapi.json, the address to give a client generator. The plugin forces `url` to its
    // own /docs/json; `urls` (a list, here of one) takes precedence over `url` in Swagger UI.
    uiConfig: { docExpansion: 'list', deepLinking: true, urls: [{ url: OPENAPI_PATH, name: OPENAPI_PATH }] },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
