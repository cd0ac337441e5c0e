// Comment queries: comments are found by the article's slug, so they never wait for the article's row.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rows } from '../../db/rows.ts';
import { articles, comments, users } from '../../db/schema/index.ts';
import { followingSql } from '../profiles/profiles.queries.ts';

const ph = sql.placeholder;

export type CommentRow = {
  id: number;
  body: string;
  createdAt: Date;
  updatedAt: Date;
  authorUsername: string;
  authorBio: string | null;
  authorImage: string | null;
  authorFollowing: boolean;
};

const commentFields = {
  id: comments.id,
  body: comments.body,
  createdAt: comments.createdAt,
  updatedAt: comments.updatedAt,
  authorUsername: users.username,
  authorBio: users.bio,
  authorImage: users.image,
  authorFollowing: followingSql(users.id),
};

const articleIdBySlug = (slug: unknown) =>
  sql`(select ${articles.id} from ${articles} where ${articles.slug} = ${slug})`;

export function createCommentQueries(db: Db) {
  const bySlug = db
    .select(commentFields)
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(eq(comments.articleId, articleIdBySlug(ph('slug'))))
    .orderBy(asc(comments.id))
    .prepare('comments_by_slug');
  const articleExists = db
    .select({ id: articles.id })
    .from(articles)
    .where(eq(articles.slug, ph('slug')))
    .prepare('article_id_by_slug');
  const author = db
    .select({ username: users.username, bio: users.bio, image: users.image })
    .from(users)
    .where(eq(users.id, ph('id')))
    .prepare('comment_author');

  return {
    /** All comments of an article, oldest first; does not check that the article exists. */
    bySlug: (slug: string, viewerId: number | null): Promise<CommentRow[]> =>
      bySlug.execute({ slug, viewerId: viewerId ?? 0 }),

    articleExists: async (slug: string): Promise<boolean> =>
      (await articleExists.execute({ slug })).length > 0,

    /** Adds a comment to the article with this slug; undefined when there is no such article. */
    create: async (authorId: number, slug: string, body: string): Promise<CommentRow | undefined> => {
      // The insert and the author's profile are independent: they go out together.
      const [inserted, authors] = await Promise.all([
        rows<{ id: number; body: string; created_at: Date; updated_at: Date }>(
          db,
          sql`insert into ${comments} (body, article_id, author_id)
            select ${body}, ${articles.id}, ${authorId} from ${articles} where ${articles.slug} = ${slug}
            returning id, body, created_at, updated_at`,
        ),
        author.execute({ id: authorId }),
      ]);
      const row = inserted[0];
      const profile = authors[0];
      if (row === undefined || profile === undefined) return undefined;
      return {
        id: row.id,
        body: row.body,
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
        authorUsername: profile.username,
        authorBio: profile.bio,
        authorImage: profile.image,
        authorFollowing: false,
      };
    },

    /** Deletes the viewer's own comment; false when nothing of the viewer's matched. */
    delete: async (viewerId: number, slug: string, id: number): Promise<boolean> =>
      (
        await db
          .delete(comments)
          .where(
            and(
              eq(comments.id, id),
              eq(comments.authorId, viewerId),
              eq(comments.articleId, articleIdBySlug(slug)),
            ),
          )
          .returning({ id: comments.id })
      ).length > 0,

    /** Who wrote comment `id` on the article with this slug; undefined when there is no such comment. */
    authorOf: async (slug: string, id: number): Promise<number | undefined> =>
      (
        await db
          .select({ authorId: comments.authorId })
          .from(comments)
          .where(and(eq(comments.id, id), eq(comments.articleId, articleIdBySlug(slug))))
      )[0]?.authorId,
  };
}

export type CommentQueries = ReturnType<typeof createCommentQueries>;
