// Article DTOs: NewArticle/UpdateArticle in, Article (with body) and ArticleListItem (without) out.
import { Type } from '@sinclair/typebox';
import { type Dto, NonBlank, Paging, Timestamp } from '../../http/schemas.ts';
import { Profile } from '../profiles/profiles.schemas.ts';

const Title = NonBlank(300, { examples: ['How to train your dragon'] });
const Description = NonBlank(2_000, { examples: ['Ever wonder how?'] });
const Body = NonBlank(100_000, { examples: ['You have to believe'] });
const TagList = Type.Array(NonBlank(64), { maxItems: 20, examples: [['dragons', 'training']] });

export const NewArticleBody = Type.Object(
  {
    article: Type.Object({
      title: Title,
      description: Description,
      body: Body,
      tagList: Type.Optional(TagList),
    }),
  },
  {
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

export const UpdateArticleBody = Type.Object(
  {
    article: Type.Object(
      { title: Type.Optional(Title), description: Type.Optional(Description), body: Type.Optional(Body) },
      { minProperties: 1 },
    ),
  },
  { examples: [{ article: { title: 'Did you train your dragon?' } }] },
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

export const SingleArticleResponse = Type.Object({ article: Type.Ref(Article) });
export const MultipleArticlesResponse = Type.Object({
  articles: Type.Array(Type.Ref(ArticleListItem)),
  articlesCount: Type.Integer({ description: 'All articles matching the filter, not just this page' }),
});

export const ListArticlesQuery = Type.Composite([
  Type.Object({
    tag: Type.Optional(Type.String({ maxLength: 64, description: 'Filter by tag' })),
    author: Type.Optional(Type.String({ maxLength: 100, description: 'Filter by author (username)' })),
    favorited: Type.Optional(
      Type.String({ maxLength: 100, description: 'Filter by favorites of a user (username)' }),
    ),
  }),
  Paging,
]);

export type ArticleDto = Dto<typeof Article>;
export type ArticleListItemDto = Dto<typeof ArticleListItem>;
export type NewArticleInput = Dto<typeof NewArticleBody>['article'];
export type UpdateArticleInput = Dto<typeof UpdateArticleBody>['article'];
