// Comment queries: comments are found by the article's slug, so they never wait for the article's row.

import type { Db } from '../../db/database.ts';
import { and, asc, eq, sql } from '../../db/orm.ts';
import { articles, comments, users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { type AuthorRow, aliased, authorFields, isoText } from '../shared/sql.ts';

const ph = sql.placeholder;

export type CommentRow = AuthorRow & {
  id: number;
  body: string;
  /** ISO 8601 in UTC, as the API sends it. */
  createdAt: string;
  updatedAt: string;
};

const articleIdBySlug = sql`(select ${articles.id} from ${articles} where ${articles.slug} = ${ph('slug')})`;

/** All comments of an article, oldest first, each with its author's profile as the viewer sees it. */
function prepareBySlug(db: Db) {
  return prepare<CommentRow>(
    db,
    'comments_by_slug',
    db
      .select(
        aliased({
          id: comments.id,
          body: comments.body,
          createdAt: isoText(comments.createdAt),
          updatedAt: isoText(comments.updatedAt),
          ...authorFields,
        }),
      )
      .from(comments)
      .innerJoin(users, eq(users.id, comments.authorId))
      .where(eq(comments.articleId, articleIdBySlug))
      .orderBy(asc(comments.id)),
  );
}

export function createCommentQueries(db: Db) {
  const bySlug = prepareBySlug(db);
  const articleExists = prepare<{ id: number }>(
    db,
    'article_id_by_slug',
    db
      .select(aliased({ id: articles.id }))
      .from(articles)
      .where(eq(articles.slug, ph('slug'))),
  );
  const insert = prepare<Omit<CommentRow, keyof AuthorRow>>(
    db,
    'comment_insert',
    sql`insert into ${comments} (body, article_id, author_id)
      select ${ph('body')}, ${articles.id}, ${ph('authorId')} from ${articles} where ${articles.slug} = ${ph('slug')}
      returning id, body, ${isoText(comments.createdAt)} as "createdAt", ${isoText(comments.updatedAt)} as "updatedAt"`,
  );
  const author = prepare<Omit<AuthorRow, 'authorFollowing'>>(
    db,
    'comment_author',
    db
      .select(aliased({ authorUsername: users.username, authorBio: users.bio, authorImage: users.image }))
      .from(users)
      .where(eq(users.id, ph('id'))),
  );
  const deleteOwn = prepare<{ id: number }>(
    db,
    'comment_delete',
    db
      .delete(comments)
      .where(
        and(
          eq(comments.id, ph('id')),
          eq(comments.authorId, ph('viewerId')),
          eq(comments.articleId, articleIdBySlug),
        ),
      )
      .returning(aliased({ id: comments.id })),
  );
  const authorOf = prepare<{ authorId: number }>(
    db,
    'comment_author_id',
    db
      .select(aliased({ authorId: comments.authorId }))
      .from(comments)
      .where(and(eq(comments.id, ph('id')), eq(comments.articleId, articleIdBySlug))),
  );

  return {
    /** All comments of an article, oldest first; does not check that the article exists. */
    bySlug: (slug: string, viewerId: number | null): Promise<CommentRow[]> =>
      bySlug({ slug, viewerId: viewerId ?? 0 }),

    articleExists: async (slug: string): Promise<boolean> => (await articleExists({ slug })).length > 0,

    /** Adds a comment to the article with this slug; undefined when there is no such article. */
    create: async (authorId: number, slug: string, body: string): Promise<CommentRow | undefined> => {
      // The insert and the author's profile are independent: they go out together.
      const [[row], [profile]] = await Promise.all([
        insert({ body, authorId, slug }),
        author({ id: authorId }),
      ]);
      if (row === undefined || profile === undefined) return undefined;
      // Nobody follows themselves.
      return { ...row, ...profile, authorFollowing: false };
    },

    /** Deletes the viewer's own comment; false when nothing of the viewer's matched. */
    delete: async (viewerId: number, slug: string, id: number): Promise<boolean> =>
      (await deleteOwn({ id, viewerId, slug })).length > 0,

    /** Who wrote comment `id` on the article with this slug; undefined when there is no such comment. */
    authorOf: async (slug: string, id: number): Promise<number | undefined> =>
      (await authorOf({ slug, id }))[0]?.authorId,
  };
}

export type CommentQueries = ReturnType<typeof createCommentQueries>;
