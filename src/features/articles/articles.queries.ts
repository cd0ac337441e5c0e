// Article queries: one article, its writes, and (composed from article-lists.ts and feed.ts) the list pages
// and the follow feed.
// The hot reads return rows as the driver gives them (src/db/statement.ts): every column is aliased to the
// row type's name and the timestamps arrive as ISO text, so no generic row mapper and no Date runs per row.

import { UNIQUE_INDEX, violatesUnique } from '../../db/constraints.ts';
import type { Db } from '../../db/database.ts';
import { and, eq, sql } from '../../db/orm.ts';
import { articles, articleTags, favorites, tags, users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased } from '../shared/sql.ts';
import { type ArticleListRow, createListQueries, listFields } from './article-lists.ts';
import { createSearchQueries } from './article-search.ts';
import type { NewArticleInput, UpdateArticleInput } from './articles.schemas.ts';
import { createFeedQueries } from './feed.ts';
import { normalizeTags, slugify, withSuffix } from './slug.ts';

const ph = sql.placeholder;

export type ArticleRow = ArticleListRow & { body: string };

const articleIdBySlug = sql`(select ${articles.id} from ${articles} where ${articles.slug} = ${ph('slug')})`;
const ownArticle = and(eq(articles.slug, ph('slug')), eq(articles.authorId, ph('viewerId')));

/** The statements that read one article. */
function prepareReads(db: Db) {
  return {
    bySlug: prepare<ArticleRow>(
      db,
      'article_by_slug',
      db
        .select(aliased({ ...listFields, body: articles.body }))
        .from(articles)
        .innerJoin(users, eq(users.id, articles.authorId))
        .where(eq(articles.slug, ph('slug'))),
    ),
    authorOf: prepare<{ authorId: number }>(
      db,
      'article_author_id',
      db
        .select(aliased({ authorId: articles.authorId }))
        .from(articles)
        .where(eq(articles.slug, ph('slug'))),
    ),
  };
}

/** The statements that write an article: insert, update and delete. */
function prepareWrites(db: Db) {
  return {
    /**
     * Inserts the article and links its tags in one statement; no row when the slug is taken. The tag names
     * are made distinct here, as stored: two names that differ in JavaScript can be one in the database (a
     * lone surrogate arrives as U+FFFD), and `on conflict do update` may not meet one row twice (SQLSTATE
     * 21000). Sorted, so that concurrent creators lock shared tags in one order.
     */
    insert: prepare<{ slug: string }>(
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
    ),
    /** Changes the given fields of the viewer's own article (null: unchanged); no row when none matched. */
    update: prepare<{ slug: string }>(
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
    ),
    delete: prepare<{ id: number }>(
      db,
      'article_delete',
      db
        .delete(articles)
        .where(ownArticle)
        .returning(aliased({ id: articles.id })),
    ),
  };
}

/** The statements that favorite and unfavorite an article. */
function prepareFavorites(db: Db) {
  return {
    favorite: prepare<never>(
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
    ),
    unfavorite: prepare<never>(
      db,
      'article_unfavorite',
      db
        .delete(favorites)
        .where(and(eq(favorites.userId, ph('viewerId')), eq(favorites.articleId, articleIdBySlug))),
    ),
  };
}

/** What a write answers when the slug it tried is taken by another article. */
const SLUG_TAKEN = Symbol('slug taken');

/**
 * `write` with the title's slug, then with a random suffix added while the slug it tried is taken (a unique
 * slug is found in one or two tries; eight is a bound, not an expectation).
 */
async function withFreeSlug<T>(
  base: string,
  write: (slug: string) => Promise<T | typeof SLUG_TAKEN>,
): Promise<T> {
  for (let slug = base, attempt = 0; attempt < 8; slug = withSuffix(base), attempt++) {
    const result = await write(slug);
    if (result !== SLUG_TAKEN) return result;
  }
  throw new Error('could not find a free slug');
}

export function createArticleQueries(db: Db) {
  const lists = createListQueries(db);
  const search = createSearchQueries(db);
  const feed = createFeedQueries(db);
  const reads = prepareReads(db);
  const writes = prepareWrites(db);
  const favoriting = prepareFavorites(db);

  return {
    /** A page of articles, filtered by any combination of tag, author and favorited. */
    list: lists.page,

    /** A page of the articles that match a search, with the list's filters. */
    search: search.page,

    /** A page of the reader's follow feed. */
    feed: feed.page,

    bySlug: async (slug: string, viewerId: number | null): Promise<ArticleRow | undefined> =>
      (await reads.bySlug({ slug, viewerId: viewerId ?? 0 }))[0],

    /** The author of the article with this slug; undefined when there is none. */
    authorOf: async (slug: string): Promise<number | undefined> =>
      (await reads.authorOf({ slug }))[0]?.authorId,

    /** Creates the article and returns its slug: the title's slug, or with a suffix when that is taken. */
    create: (authorId: number, input: NewArticleInput): Promise<string> => {
      const { title, description, body } = input;
      const tagNames = normalizeTags(input.tagList);
      return withFreeSlug(slugify(title), async (slug) => {
        const [created] = await writes.insert({ slug, title, description, body, authorId, tagNames });
        return created?.slug ?? SLUG_TAKEN;
      });
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
        slug,
        viewerId,
      };
      const updated = async (newSlug: string | null) =>
        (await writes.update({ ...changes, newSlug }))[0]?.slug;
      // A new title makes a new slug, which may be taken: the update then fails on the unique index.
      if (input.title === undefined) return updated(null);
      return withFreeSlug(slugify(input.title), (newSlug) =>
        updated(newSlug).catch((error: unknown) => {
          if (violatesUnique(error, UNIQUE_INDEX.slug)) return SLUG_TAKEN;
          throw error;
        }),
      );
    },

    /** Deletes the viewer's own article; false when no article of the viewer's has this slug. */
    delete: async (viewerId: number, slug: string): Promise<boolean> =>
      (await writes.delete({ slug, viewerId })).length > 0,

    favorite: async (viewerId: number, slug: string): Promise<void> => {
      await favoriting.favorite({ viewerId, slug });
    },

    unfavorite: async (viewerId: number, slug: string): Promise<void> => {
      await favoriting.unfavorite({ viewerId, slug });
    },
  };
}

export type ArticleQueries = ReturnType<typeof createArticleQueries>;
