// GET /tags: the most used tags, most used first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import type { Deps } from '../deps.ts';
import type { Feature } from '../feature.ts';
import { POPULAR_TAGS } from './tags.queries.ts';
import { TAG_MODELS, TagsResponse } from './tags.schemas.ts';

const TAG = 'Tags';

export function tagsRoutes({ queries: { tags: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tags', {
      schema: {
        tags: [TAG],
        operationId: 'GetTags',
        summary: 'Get tags',
        description: `The ${POPULAR_TAGS} most used tags, most used first (ties by name).`,
        response: { 200: Type.Ref(TagsResponse), ...errorResponses() },
      },
      handler: async () => ({ tags: await queries.inUse() }),
    });
  };
}

export const tagsFeature: Feature = {
  routes: tagsRoutes,
  models: TAG_MODELS,
  bulkhead: 'tags',
  tags: [{ name: TAG, description: 'Tags in use' }],
};
