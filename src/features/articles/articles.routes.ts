// Articles: list, feed, read, create, update, delete; favorite and unfavorite.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { currentUserId } from '../../http/auth.ts';
import { forbidden, invalid, notFound } from '../../http/errors.ts';
import { type PageWindow, Paging, pageLinks, pageWindow } from '../../http/paging.ts';
import { errorResponses, SlugParams } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import { presentComment } from '../comments/comments.present.ts';
import type { Deps } from '../deps.ts';
import type { Feature } from '../feature.ts';
import type { ArticlePage } from './article-lists.ts';
import { articleStreamRoutes } from './article-stream.routes.ts';
import { presentArticle, presentArticleListItem } from './articles.present.ts';
import type { ArticleQueries } from './articles.queries.ts';
import {
  ARTICLE_MODELS,
  ArticleMaybeWithCommentsResponse,
  ArticleQuery,
  ListArticlesQuery,
  MultipleArticlesResponse,
  NewArticleRequest,
  SingleArticleResponse,
  UpdateArticleRequest,
} from './articles.schemas.ts';

const TAG = 'Articles';
const FAVORITES = 'Favorites';

/** Reads an article back for the response; 404 when it is gone. */
async function readArticle(queries: ArticleQueries, slug: string, viewerId: number | null) {
  const row = await queries.bySlug(slug, viewerId);
  if (row === undefined) throw notFound('article');
  return { article: presentArticle(row) };
}

/** After an update or delete matched nothing: 404 if the slug is unknown, 403 if it is someone else's. */
async function refuse(queries: ArticleQueries, slug: string): Promise<never> {
  throw (await queries.authorOf(slug)) === undefined
    ? notFound('article')
    : forbidden('only the author may change this article');
}

/** A list or feed page's 200: the Link header, documented (RFC 8288), and the RealWorld body. */
const ArticlePageResponse = Type.Ref(MultipleArticlesResponse, {
  description: 'A page of articles, newest first, and how many there are in all',
  headers: {
    link: Type.String({
      description:
        'Gather extension (RFC 8288): rel="first", and rel="next" (older) / rel="prev" (newer) where there ' +
        'is more, each a URL with a keyset `cursor`: its page costs the same however deep it is',
      examples: ['</api/articles?cursor=before:1042>; rel="next", </api/articles>; rel="first"'],
    }),
  },
});

/** Sends a page: its Link header (its cursors from `ids`, by default the page's own), and the RealWorld body. */
function pageResponse(
  request: FastifyRequest,
  reply: FastifyReply,
  window: PageWindow,
  page: ArticlePage,
  ids: readonly number[] = page.rows.map((row) => row.id),
) {
  reply.header('link', pageLinks(request.url, window, ids, page.hasMore));
  return { articles: page.rows.map(presentArticleListItem), articlesCount: page.count };
}

/** The list, the feed and one article (with its comments, on request). */
function articleReadRoutes({
  queries: { articles: queries, comments: commentQueries },
}: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/articles', {
      config: { auth: 'optional' },
      schema: {
        tags: [TAG],
        operationId: 'GetArticles',
        summary: 'Get recent articles globally',
        description:
          'Newest first; filter by tag, author or favorited (combinable). Items carry no body. Gather ' +
          'extension: `q` searches them (ranked by relevance, or newest first with sort=recent).',
        querystring: ListArticlesQuery,
        response: { 200: ArticlePageResponse, ...errorResponses() },
      },
      handler: async (request, reply) => {
        const { limit, offset, cursor, q, sort, ...filter } = request.query;
        const window = pageWindow({ limit, offset, cursor });
        if (q === undefined) {
          if (sort !== undefined) throw invalid('sort orders a search: give q as well');
          return pageResponse(request, reply, window, await queries.list(filter, request.viewerId, window));
        }
        const order = sort ?? 'relevance';
        if (order === 'relevance' && cursor !== undefined) {
          throw invalid('a search by relevance is paged by offset; cursors page sort=recent');
        }
        const page = await queries.search({ ...filter, q, order }, request.viewerId, window);
        // Ranked pages have no keyset to continue from: their Link header names the first page only.
        return order === 'relevance'
          ? pageResponse(request, reply, window, { ...page, hasMore: false }, [])
          : pageResponse(request, reply, window, page);
      },
    });

    app.get('/articles/feed', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'GetArticlesFeed',
        summary: 'Get recent articles from users you follow',
        querystring: Paging,
        response: { 200: ArticlePageResponse, ...errorResponses() },
      },
      handler: async (request, reply) => {
        const window = pageWindow(request.query);
        return pageResponse(request, reply, window, await queries.feed(currentUserId(request), window));
      },
    });

    app.get('/articles/:slug', {
      config: { auth: 'optional' },
      schema: {
        tags: [TAG],
        operationId: 'GetArticle',
        summary: 'Get an article',
        description:
          'With `include=comments`, answers `{article, comments}`: the article and its comments (found by ' +
          'slug, so neither waits for the other) are read concurrently, one round trip of waiting instead of two.',
        params: SlugParams,
        querystring: ArticleQuery,
        response: {
          200: Type.Ref(ArticleMaybeWithCommentsResponse, {
            description: 'The article; with include=comments, the article and its comments',
          }),
          ...errorResponses(404),
        },
      },
      handler: async (request) => {
        const { slug } = request.params;
        if (request.query.include === undefined) return readArticle(queries, slug, request.viewerId);
        const [article, comments] = await Promise.all([
          readArticle(queries, slug, request.viewerId),
          commentQueries.bySlug(slug, request.viewerId),
        ]);
        return { ...article, comments: comments.map(presentComment) };
      },
    });
  };
}

/** Create, update and delete: the author's own. */
function articleWriteRoutes({ queries: { articles: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/articles', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'CreateArticle',
        summary: 'Create an article',
        body: Type.Ref(NewArticleRequest),
        response: { 201: Type.Ref(SingleArticleResponse), ...errorResponses(413, 415) },
      },
      handler: async (request, reply) => {
        const viewerId = currentUserId(request);
        const slug = await queries.create(viewerId, request.body.article);
        return reply.status(201).send(await readArticle(queries, slug, viewerId));
      },
    });

    app.put('/articles/:slug', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'UpdateArticle',
        summary: 'Update an article',
        description: 'Only the author may update. A new title gives the article a new slug.',
        params: SlugParams,
        body: Type.Ref(UpdateArticleRequest),
        response: { 200: Type.Ref(SingleArticleResponse), ...errorResponses(403, 404, 413, 415) },
      },
      handler: async (request) => {
        const viewerId = currentUserId(request);
        const slug = await queries.update(viewerId, request.params.slug, request.body.article);
        return slug === undefined
          ? refuse(queries, request.params.slug)
          : readArticle(queries, slug, viewerId);
      },
    });

    app.delete('/articles/:slug', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'DeleteArticle',
        summary: 'Delete an article',
        params: SlugParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(403, 404) },
      },
      handler: async (request, reply) => {
        if (!(await queries.delete(currentUserId(request), request.params.slug)))
          await refuse(queries, request.params.slug);
        return reply.status(204).send(null);
      },
    });
  };
}

function favoriteRoutes({ queries: { articles: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/articles/:slug/favorite', {
      config: { auth: 'required' },
      schema: {
        tags: [FAVORITES],
        operationId: 'CreateArticleFavorite',
        summary: 'Favorite an article',
        params: SlugParams,
        response: { 200: Type.Ref(SingleArticleResponse), ...errorResponses(404) },
      },
      handler: async (request) => {
        const viewerId = currentUserId(request);
        // The read depends on the write (favoritesCount), so they run in order.
        await queries.favorite(viewerId, request.params.slug);
        return readArticle(queries, request.params.slug, viewerId);
      },
    });

    app.delete('/articles/:slug/favorite', {
      config: { auth: 'required' },
      schema: {
        tags: [FAVORITES],
        operationId: 'DeleteArticleFavorite',
        summary: 'Unfavorite an article',
        params: SlugParams,
        response: { 200: Type.Ref(SingleArticleResponse), ...errorResponses(404) },
      },
      handler: async (request) => {
        const viewerId = currentUserId(request);
        await queries.unfavorite(viewerId, request.params.slug);
        return readArticle(queries, request.params.slug, viewerId);
      },
    });
  };
}

/** Articles: reads, writes, favorites and the article stream (article-stream.routes.ts). */
export const articlesFeature: Feature = {
  routes: (deps) => async (app) => {
    for (const routes of [articleReadRoutes, articleWriteRoutes, favoriteRoutes, articleStreamRoutes]) {
      await app.register(routes(deps));
    }
  },
  models: ARTICLE_MODELS,
  bulkhead: 'articles',
  tags: [
    { name: TAG, description: 'Articles, the global list and your feed' },
    { name: FAVORITES, description: 'Favoriting articles' },
  ],
};
