// GET /tags: the most used tags, most used first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { Deps } from '../deps.ts';
import { POPULAR_TAGS } from './tags.queries.ts';
import { TagsResponse } from './tags.schemas.ts';

export function tagsRoutes({ queries: { tags: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tags', {
      schema: {
        tags: ['Tags'],
        operationId: 'GetTags',
        summary: 'Get tags',
        description: `The ${POPULAR_TAGS} most used tags, most used first (ties by name).`,
        response: { 200: Type.Ref(TagsResponse), ...errorResponses() },
      },
      handler: async () => ({ tags: await queries.inUse() }),
    });
  };
}
