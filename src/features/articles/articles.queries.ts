// Article queries: one article, its writes, and (composed from article-lists.ts and feed.ts) the list pages
// and the follow feed.
// The hot reads return rows as the driver gives them (src/db/statement.ts): every column is aliased to the
// row type's name and the timestamps arrive as ISO text, so no generic row mapper and no Date runs per row.

import type { Db } from '../../db/client.ts';
import { UNIQUE_INDEX, violatesUnique } from '../../db/constraints.ts';
import { and, eq, sql } from '../../db/orm.ts';
import { articles, articleTags, favorites, tags, users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased } from '../shared/sql.ts';
import { type ArticleListRow, createListQueries, listFields } from './article-lists.ts';
import type { NewArticleInput, UpdateArticleInput } from './articles.schemas.ts';
import { createFeedQueries } from './feed.ts';
import { normalizeTags, slugify, withSuffix } from './slug.ts';

const ph = sql.placeholder;

export type ArticleRow = ArticleListRow & { body: string };

const articleIdBySlug = sql`(select ${articles.id} from ${articles} where ${articles.slug} = ${ph('slug')})`;
const ownArticle = and(eq(articles.slug, ph('slug')), eq(articles.authorId, ph('viewerId')));

export function createArticleQueries(db: Db) {
  const lists = createListQueries(db);
  const feed = createFeedQueries(db);

  const bySlug = prepare<ArticleRow>(
    db,
    'article_by_slug',
    db
      .select(aliased({ ...listFields, body: articles.body }))
      .from(articles)
      .innerJoin(users, eq(users.id, articles.authorId))
      .where(eq(articles.slug, ph('slug'))),
  );

  const authorOf = prepare<{ authorId: number }>(
    db,
    'article_author_id',
    db
      .select(aliased({ authorId: articles.authorId }))
      .from(articles)
      .where(eq(articles.slug, ph('slug'))),
  );

  /**
   * Inserts the article and links its tags in one statement; no row when the slug is taken. The tag names are
   * made distinct here, as stored: two names that differ in JavaScript can be one in the database (a lone
   * surrogate arrives as U+FFFD), and `on conflict do update` may not meet one row twice (SQLSTATE 21000).
   * Sorted, so that concurrent creators lock shared tags in one order.
   */
  const insertWithSlug = prepare<{ slug: string }>(
    db,
    'article_insert',
    sql`with inserted as (
        insert into ${articles} (slug, title, description, body, author_id)
        values (${ph('slug')}, ${ph('title')}, ${ph('description')}, ${ph('body')}, ${ph('authorId')})
        on conflict (slug) do nothing
        returning id, slug),
      tag_rows as (
        insert into ${tags} (name) select distinct name from unnest(${ph('tagNames')}::text[]) as name order by name
        on conflict (name) do update set name = excluded.name
        returning id),
      linked as (
        insert into ${articleTags} (article_id, tag_id) select inserted.id, tag_rows.id from inserted, tag_rows)
      select slug from inserted`,
  );

  /** Changes the given fields of the viewer's own article (null: unchanged); no row when none matched. */
  const update = prepare<{ slug: string }>(
    db,
    'article_update',
    db
      .update(articles)
      .set({
        title: sql`coalesce(${ph('title')}, ${articles.title})`,
        description: sql`coalesce(${ph('description')}, ${articles.description})`,
        body: sql`coalesce(${ph('body')}, ${articles.body})`,
        slug: sql`coalesce(${ph('newSlug')}, ${articles.slug})`,
        updatedAt: sql`now()`,
      })
      .where(ownArticle)
      .returning(aliased({ slug: articles.slug })),
  );

  const deleteOwn = prepare<{ id: number }>(
    db,
    'article_delete',
    db
      .delete(articles)
      .where(ownArticle)
      .returning(aliased({ id: articles.id })),
  );

  const favorite = prepare<never>(
    db,
    'article_favorite',
    db
      .insert(favorites)
      .select(
        db
          .select({
            userId: sql<number>`${ph('viewerId')}`.as('user_id'),
            articleId: articles.id,
            createdAt: sql<Date>`now()`.as('created_at'),
          })
          .from(articles)
          .where(eq(articles.slug, ph('slug'))),
      )
      .onConflictDoNothing(),
  );

  const unfavorite = prepare<never>(
    db,
    'article_unfavorite',
    db
      .delete(favorites)
      .where(and(eq(favorites.userId, ph('viewerId')), eq(favorites.articleId, articleIdBySlug))),
  );

  return {
    /** A page of articles, filtered by any combination of tag, author and favorited. */
    list: lists.page,

    /** A page of the reader's follow feed. */
    feed: feed.page,

    bySlug: async (slug: string, viewerId: number | null): Promise<ArticleRow | undefined> =>
      (await bySlug({ slug, viewerId: viewerId ?? 0 }))[0],

    /** The author of the article with this slug; undefined when there is none. */
    authorOf: async (slug: string): Promise<number | undefined> => (await authorOf({ slug }))[0]?.authorId,

    /** Creates the article and returns its slug: the title's slug, or with a suffix when that is taken. */
    create: async (authorId: number, input: NewArticleInput): Promise<string> => {
      const { title, description, body } = input;
      const tagNames = normalizeTags(input.tagList);
      const base = slugify(title);
      for (let slug = base, attempt = 0; attempt < 8; slug = withSuffix(base), attempt++) {
        const [created] = await insertWithSlug({ slug, title, description, body, authorId, tagNames });
        if (created !== undefined) return created.slug;
      }
      throw new Error('could not find a free slug');
    },

    /** Updates the viewer's own article; undefined when no article of the viewer's has this slug. */
    update: async (
      viewerId: number,
      slug: string,
      input: UpdateArticleInput,
    ): Promise<string | undefined> => {
      const changes = {
        title: input.title ?? null,
        description: input.description ?? null,
        body: input.body ?? null,
      };
      const base = input.title === undefined ? undefined : slugify(input.title);
      for (let next = base, attempt = 0; attempt < 8; next = base && withSuffix(base), attempt++) {
        try {
          return (await update({ ...changes, newSlug: next ?? null, slug, viewerId }))[0]?.slug;
        } catch (error) {
          if (!violatesUnique(error, UNIQUE_INDEX.slug)) throw error;
        }
      }
      throw new Error('could not find a free slug');
    },

    /** Deletes the viewer's own article; false when no article of the viewer's has this slug. */
    delete: async (viewerId: number, slug: string): Promise<boolean> =>
      (await deleteOwn({ slug, viewerId })).length > 0,

    favorite: async (viewerId: number, slug: string): Promise<void> => {
      await favorite({ viewerId, slug });
    },

    unfavorite: async (viewerId: number, slug: string): Promise<void> => {
      await unfavorite({ viewerId, slug });
    },
  };
}

export type ArticleQueries = ReturnType<typeof createArticleQueries>;
