// GET /tags: tags in use, most used first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { Deps } from '../deps.ts';

const TagsResponse = Type.Object(
  { tags: Type.Array(Type.String()) },
  { examples: [{ tags: ['reactjs', 'angularjs'] }] },
);

export function tagsRoutes({ queries: { tags: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tags', {
      schema: {
        tags: ['Tags'],
        operationId: 'GetTags',
        summary: 'Get tags',
        response: { 200: TagsResponse, ...errorResponses() },
      },
      handler: async () => ({ tags: await queries.inUse() }),
    });
  };
}
