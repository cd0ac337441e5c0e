// GET and POST /articles/:slug/comments, DELETE /articles/:slug/comments/:id.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentUserId } from '../../http/auth.ts';
import { forbidden, notFound } from '../../http/errors.ts';
import { errorResponses, SlugParams } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import type { Deps } from '../deps.ts';
import type { Feature } from '../feature.ts';
import { presentComment } from './comments.present.ts';
import {
  COMMENT_MODELS,
  CommentParams,
  MultipleCommentsResponse,
  NewCommentRequest,
  SingleCommentResponse,
} from './comments.schemas.ts';

const TAG = 'Comments';

export function commentsRoutes({ queries: { comments: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/articles/:slug/comments', {
      config: { auth: 'optional' },
      schema: {
        tags: [TAG],
        operationId: 'GetArticleComments',
        summary: 'Get comments for an article',
        params: SlugParams,
        response: { 200: Type.Ref(MultipleCommentsResponse), ...errorResponses(404) },
      },
      handler: async (request) => {
        const { slug } = request.params;
        // Whether the article exists and its comments are independent reads: awaited together.
        const [exists, rows] = await Promise.all([
          queries.articleExists(slug),
          queries.bySlug(slug, request.viewerId),
        ]);
        if (!exists) throw notFound('article');
        return { comments: rows.map(presentComment) };
      },
    });

    app.post('/articles/:slug/comments', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'CreateArticleComment',
        summary: 'Create a comment for an article',
        params: SlugParams,
        body: Type.Ref(NewCommentRequest),
        response: { 200: Type.Ref(SingleCommentResponse), ...errorResponses(404, 413, 415) },
      },
      handler: async (request) => {
        const row = await queries.create(
          currentUserId(request),
          request.params.slug,
          request.body.comment.body,
        );
        if (row === undefined) throw notFound('article');
        return { comment: presentComment(row) };
      },
    });

    app.delete('/articles/:slug/comments/:id', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'DeleteArticleComment',
        summary: 'Delete a comment for an article',
        description: 'Only the comment author may delete it.',
        params: CommentParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(403, 404) },
      },
      handler: async (request, reply) => {
        const { slug, id } = request.params;
        if (!(await queries.delete(currentUserId(request), slug, id))) {
          throw (await queries.authorOf(slug, id)) === undefined
            ? notFound('comment')
            : forbidden('only the author may delete this comment');
        }
        return reply.status(204).send(null);
      },
    });
  };
}

/** Comments read their article's tables, so they share the articles' bulkhead. */
export const commentsFeature: Feature = {
  routes: commentsRoutes,
  models: COMMENT_MODELS,
  bulkhead: 'articles',
  tags: [{ name: TAG, description: 'Comments on an article' }],
};
