// GET /tags: tags in use, most used first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { Deps } from '../deps.ts';
import { TagsResponse } from './tags.schemas.ts';

export function tagsRoutes({ queries: { tags: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tags', {
      schema: {
        tags: ['Tags'],
        operationId: 'GetTags',
        summary: 'Get tags',
        response: { 200: Type.Ref(TagsResponse), ...errorResponses() },
      },
      handler: async () => ({ tags: await queries.inUse() }),
    });
  };
}
