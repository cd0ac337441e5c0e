// Article DTOs, named as in RealWorld: NewArticle/UpdateArticle in (each wrapped in its …Request), Article (with
// body) and ArticleListItem (without) out; ArticleMaybeWithCommentsResponse and ArticleStreamPart are Gather's.

import { Paging } from '../../http/paging.ts';
import { type Dto, NonBlank, Timestamp } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import { Comment } from '../comments/comments.schemas.ts';
import { Profile } from '../profiles/profiles.schemas.ts';
import { SEARCH_LIMIT } from './article-search.ts';

const Title = NonBlank(300, { examples: ['How to train your dragon'] });
const Description = NonBlank(2_000, { examples: ['Ever wonder how?'] });
const Body = NonBlank(100_000, { examples: ['You have to believe'] });
const TagList = Type.Array(NonBlank(64), { maxItems: 20, examples: [['dragons', 'training']] });

export const NewArticle = Type.Object(
  { title: Title, description: Description, body: Body, tagList: Type.Optional(TagList) },
  { $id: 'NewArticle' },
);
export const NewArticleRequest = Type.Object(
  { article: Type.Ref(NewArticle) },
  {
    $id: 'NewArticleRequest',
    examples: [
      {
        article: {
          title: 'How to train your dragon',
          description: 'Ever wonder how?',
          body: 'You have to believe',
          tagList: ['reactjs', 'angularjs', 'dragons'],
        },
      },
    ],
  },
);

export const UpdateArticle = Type.Object(
  { title: Type.Optional(Title), description: Type.Optional(Description), body: Type.Optional(Body) },
  { $id: 'UpdateArticle', minProperties: 1 },
);
export const UpdateArticleRequest = Type.Object(
  { article: Type.Ref(UpdateArticle) },
  { $id: 'UpdateArticleRequest', examples: [{ article: { title: 'Did you train your dragon?' } }] },
);

const articleFields = {
  slug: Type.String({ examples: ['how-to-train-your-dragon'] }),
  title: Type.String(),
  description: Type.String(),
  tagList: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  favorited: Type.Boolean(),
  favoritesCount: Type.Integer(),
  author: Type.Ref(Profile),
};

export const Article = Type.Object({ ...articleFields, body: Type.String() }, { $id: 'Article' });
/** List items carry no body (RealWorld, since 2024-08-16). */
export const ArticleListItem = Type.Object(articleFields, { $id: 'ArticleListItem' });

export const SingleArticleResponse = Type.Object(
  { article: Type.Ref(Article) },
  { $id: 'SingleArticleResponse' },
);
/**
 * GET /articles/:slug: the article; with include=comments, also its comments (read concurrently). One object
 * schema with an optional member, not a union: fast-json-stringify serializes a union by validating the value
 * against each branch first (date-time formats included), a cost paid on the hottest read.
 */
export const ArticleMaybeWithCommentsResponse = Type.Object(
  {
    article: Type.Ref(Article),
    comments: Type.Optional(Type.Array(Type.Ref(Comment), { description: 'Only with include=comments' })),
  },
  { $id: 'ArticleMaybeWithCommentsResponse' },
);
export const ArticleQuery = Type.Object({
  include: Type.Optional(
    Type.Literal('comments', {
      description: 'comments: answer {article, comments} (both read concurrently); omit for plain RealWorld',
    }),
  ),
});
/** One line of GET /articles/:slug/stream (NDJSON): each part is written the moment its query finishes. */
export const ArticleStreamPart = Type.Union(
  [
    Type.Object({ part: Type.Literal('article'), article: Type.Ref(Article) }),
    Type.Object({ part: Type.Literal('comments'), comments: Type.Array(Type.Ref(Comment)) }),
    Type.Object({ part: Type.Literal('author'), author: Type.Ref(Profile) }),
    Type.Object(
      { part: Type.Literal('error'), errors: Type.Object({ body: Type.Array(Type.String()) }) },
      { description: 'A part failed after the stream had started (status already sent): the last line' },
    ),
  ],
  { $id: 'ArticleStreamPart', description: 'One JSON object per line; `part` says which' },
);
export const MultipleArticlesResponse = Type.Object(
  {
    articles: Type.Array(Type.Ref(ArticleListItem)),
    articlesCount: Type.Integer({ description: 'All articles matching the filter, not just this page' }),
  },
  { $id: 'MultipleArticlesResponse' },
);

/** The named models of this feature (app.addSchema; components.schemas in OpenAPI). */
export const ARTICLE_MODELS = [
  NewArticle,
  NewArticleRequest,
  UpdateArticle,
  UpdateArticleRequest,
  Article,
  ArticleListItem,
  SingleArticleResponse,
  ArticleMaybeWithCommentsResponse,
  ArticleStreamPart,
  MultipleArticlesResponse,
];

export const ListArticlesQuery = Type.Composite([
  Type.Object({
    tag: Type.Optional(Type.String({ maxLength: 64, description: 'Filter by tag' })),
    author: Type.Optional(Type.String({ maxLength: 100, description: 'Filter by author (username)' })),
    favorited: Type.Optional(
      Type.String({ maxLength: 100, description: 'Filter by favorites of a user (username)' }),
    ),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Gather extension: search titles, descriptions and bodies, in English (words match their other ' +
          'forms: query, queries) and Korean (a word matches it with its particles: 비동기, 비동기는). ' +
          'Web-search syntax: words are all required, "a phrase" in order, -word excluded, `or` between ' +
          `alternatives. Combines with the filters. At most the newest ${SEARCH_LIMIT} matches are read: ` +
          `articlesCount is capped at ${SEARCH_LIMIT}, and pages end there.`,
        examples: ['event loop -python', '비동기 "database index"'],
      }),
    ),
    sort: Type.Optional(
      Type.Union([Type.Literal('relevance'), Type.Literal('recent')], {
        description:
          'Gather extension, with q: `relevance` (default; the title weighs more than the description, the ' +
          'description more than the body; newer first on a tie; paged by offset) or `recent` (newest first; ' +
          "paged by offset or the Link header's cursors)",
      }),
    ),
  }),
  Paging,
]);

export type ArticleDto = Dto<typeof Article>;
export type ArticleStreamPartDto = Dto<typeof ArticleStreamPart>;
export type ArticleListItemDto = Dto<typeof ArticleListItem>;
export type NewArticleInput = Dto<typeof NewArticle>;
export type UpdateArticleInput = Dto<typeof UpdateArticle>;
