// Article queries. A list page is two round trips issued together: the page (one query, with tags,
// favorited and following as per-row subqueries: no N+1) and its exact count (read from the counters
// that triggers keep). Single-filter variants are named prepared statements built once.
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rows } from '../../db/rows.ts';
import {
  articles,
  articleTags,
  articleTotals,
  favorites,
  follows,
  tags,
  users,
} from '../../db/schema/index.ts';
import { followingSql } from '../profiles/profiles.queries.ts';
import { normalizeTags, slugify, withSuffix } from './slug.ts';

const ph = sql.placeholder;

export type ArticleListRow = {
  id: number;
  slug: string;
  title: string;
  description: string;
  tagList: string[];
  createdAt: Date;
  updatedAt: Date;
  favorited: boolean;
  favoritesCount: number;
  authorUsername: string;
  authorBio: string | null;
  authorImage: string | null;
  authorFollowing: boolean;
};
export type ArticleRow = ArticleListRow & { body: string };

export type ListFilter = Readonly<{ tag?: string; author?: string; favorited?: string }>;
type FilterName = keyof ListFilter | 'feed';

const listFields = {
  id: articles.id,
  slug: articles.slug,
  title: articles.title,
  description: articles.description,
  tagList: sql<
    string[]
  >`array(select ${tags.name} from ${articleTags} join ${tags} on ${tags.id} = ${articleTags.tagId} where ${articleTags.articleId} = ${articles.id} order by ${tags.name})`,
  createdAt: articles.createdAt,
  updatedAt: articles.updatedAt,
  favorited: sql<boolean>`exists(select 1 from ${favorites} where ${favorites.articleId} = ${articles.id} and ${favorites.userId} = ${ph('viewerId')})`,
  favoritesCount: articles.favoritesCount,
  authorUsername: users.username,
  authorBio: users.bio,
  authorImage: users.image,
  authorFollowing: followingSql(users.id),
};

const userIdByName = (name: string) =>
  sql`(select ${users.id} from ${users} where ${users.username} = ${ph(name)})`;

export function createArticleQueries(db: Db) {
  /** The condition for each filter; placeholders are filled from the request. */
  const conditions: Record<FilterName, () => SQL> = {
    tag: () =>
      inArray(
        articles.id,
        db
          .select({ id: articleTags.articleId })
          .from(articleTags)
          .where(
            eq(articleTags.tagId, sql`(select ${tags.id} from ${tags} where ${tags.name} = ${ph('tag')})`),
          ),
      ),
    author: () => eq(articles.authorId, userIdByName('author')),
    favorited: () =>
      inArray(
        articles.id,
        db
          .select({ id: favorites.articleId })
          .from(favorites)
          .where(eq(favorites.userId, userIdByName('favorited'))),
      ),
    feed: () =>
      inArray(
        articles.authorId,
        db
          .select({ id: follows.followeeId })
          .from(follows)
          .where(eq(follows.followerId, ph('viewerId'))),
      ),
  };

  const page = (where: SQL | undefined) =>
    db
      .select(listFields)
      .from(articles)
      .innerJoin(users, eq(users.id, articles.authorId))
      .where(where)
      .orderBy(desc(articles.id))
      .limit(ph('limit'))
      .offset(ph('offset'));

  /** Exact counts without scanning: each single filter reads a counter kept by a trigger. */
  type CountQuery = { execute(values?: Record<string, unknown>): Promise<{ count: number }[]> };
  const counters: Record<FilterName | 'none', () => CountQuery> = {
    none: () =>
      db.select({ count: articleTotals.articlesCount }).from(articleTotals).prepare('count_articles'),
    tag: () =>
      db
        .select({ count: tags.articlesCount })
        .from(tags)
        .where(eq(tags.name, ph('tag')))
        .prepare('count_by_tag'),
    author: () =>
      db
        .select({ count: users.articlesCount })
        .from(users)
        .where(eq(users.username, ph('author')))
        .prepare('count_by_author'),
    favorited: () =>
      db
        .select({ count: users.favoritesCount })
        .from(users)
        .where(eq(users.username, ph('favorited')))
        .prepare('count_by_favorited'),
    feed: () =>
      db
        .select({ count: sql<number>`coalesce(sum(${users.articlesCount}), 0)::int` })
        .from(follows)
        .innerJoin(users, eq(users.id, follows.followeeId))
        .where(eq(follows.followerId, ph('viewerId')))
        .prepare('count_feed'),
  };

  const prepared = new Map(
    (['none', 'tag', 'author', 'favorited', 'feed'] as const).map((name) => [
      name,
      {
        page: page(name === 'none' ? undefined : conditions[name]()).prepare(`articles_page_${name}`),
        count: counters[name](),
      },
    ]),
  );

  /** Two filters or more: the same page query, and an exact count(*) over the same conditions. */
  const combined = (names: FilterName[]) => {
    const where = and(...names.map((name) => conditions[name]()));
    return {
      page: page(where),
      count: db.select({ count: sql<number>`count(*)::int` }).from(articles).where(where),
    };
  };

  const bySlug = db
    .select({ ...listFields, body: articles.body })
    .from(articles)
    .innerJoin(users, eq(users.id, articles.authorId))
    .where(eq(articles.slug, ph('slug')))
    .prepare('article_by_slug');

  /** Inserts the article and links its tags in one statement; undefined when the slug is taken. */
  const insertWithSlug = async (authorId: number, input: NewArticle, slug: string, tagNames: string[]) =>
    (
      await rows<{ slug: string }>(
        db,
        sql`with inserted as (
            insert into ${articles} (slug, title, description, body, author_id)
            values (${slug}, ${input.title}, ${input.description}, ${input.body}, ${authorId})
            on conflict (slug) do nothing
            returning id, slug),
          tag_rows as (
            insert into ${tags} (name) select unnest(${sql.param(tagNames)}::text[])
            on conflict (name) do update set name = excluded.name
            returning id),
          linked as (
            insert into ${articleTags} (article_id, tag_id) select inserted.id, tag_rows.id from inserted, tag_rows)
          select slug from inserted`,
      )
    )[0]?.slug;

  const isSlugTaken = (error: unknown) =>
    JSON.stringify(error, Object.getOwnPropertyNames(error)).includes('articles_slug_key') ||
    (error as { cause?: { constraint?: string } }).cause?.constraint === 'articles_slug_key';

  return {
    list: async (
      filter: ListFilter & { feedOf?: number },
      viewerId: number | null,
      limit: number,
      offset: number,
    ) => {
      const names: FilterName[] = (['tag', 'author', 'favorited'] as const).filter(
        (n) => filter[n] !== undefined,
      );
      if (filter.feedOf !== undefined) names.push('feed');
      const values = {
        ...filter,
        viewerId: filter.feedOf ?? viewerId ?? 0,
        limit,
        offset,
      };
      const queries = names.length <= 1 ? prepared.get(names[0] ?? 'none')! : combined(names);
      // The page and its count do not depend on each other: one round trip of waiting, not two.
      const [pageRows, countRows] = await Promise.all([
        queries.page.execute(values) as Promise<ArticleListRow[]>,
        queries.count.execute(values),
      ]);
      return { rows: pageRows, count: countRows[0]?.count ?? 0 };
    },

    bySlug: async (slug: string, viewerId: number | null): Promise<ArticleRow | undefined> =>
      (await bySlug.execute({ slug, viewerId: viewerId ?? 0 }))[0],

    /** The author of the article with this slug; undefined when there is none. */
    authorOf: async (slug: string): Promise<number | undefined> =>
      (await db.select({ authorId: articles.authorId }).from(articles).where(eq(articles.slug, slug)))[0]
        ?.authorId,

    /** Creates the article and returns its slug: the title's slug, or with a suffix when that is taken. */
    create: async (authorId: number, input: NewArticle): Promise<string> => {
      const tagNames = normalizeTags(input.tagList);
      const base = slugify(input.title);
      for (let slug = base, attempt = 0; attempt < 8; slug = withSuffix(base), attempt++) {
        const created = await insertWithSlug(authorId, input, slug, tagNames);
        if (created !== undefined) return created;
      }
      throw new Error('could not find a free slug');
    },

    /** Updates the viewer's own article; undefined when no article of the viewer's has this slug. */
    update: async (viewerId: number, slug: string, input: UpdateArticle): Promise<string | undefined> => {
      const base = input.title === undefined ? undefined : slugify(input.title);
      for (let next = base, attempt = 0; attempt < 8; next = base && withSuffix(base), attempt++) {
        try {
          const updated = await db
            .update(articles)
            .set({ ...input, ...(next !== undefined && { slug: next }), updatedAt: sql`now()` })
            .where(and(eq(articles.slug, slug), eq(articles.authorId, viewerId)))
            .returning({ slug: articles.slug });
          return updated[0]?.slug;
        } catch (error) {
          if (!isSlugTaken(error)) throw error;
        }
      }
      throw new Error('could not find a free slug');
    },

    /** Deletes the viewer's own article; false when no article of the viewer's has this slug. */
    delete: async (viewerId: number, slug: string): Promise<boolean> =>
      (
        await db
          .delete(articles)
          .where(and(eq(articles.slug, slug), eq(articles.authorId, viewerId)))
          .returning({ id: articles.id })
      ).length > 0,

    favorite: async (viewerId: number, slug: string): Promise<void> => {
      await db
        .insert(favorites)
        .select(
          db
            .select({
              userId: sql<number>`${viewerId}`.as('user_id'),
              articleId: articles.id,
              createdAt: sql<Date>`now()`.as('created_at'),
            })
            .from(articles)
            .where(eq(articles.slug, slug)),
        )
        .onConflictDoNothing();
    },

    unfavorite: async (viewerId: number, slug: string): Promise<void> => {
      await db
        .delete(favorites)
        .where(
          and(
            eq(favorites.userId, viewerId),
            eq(
              favorites.articleId,
              sql`(select ${articles.id} from ${articles} where ${articles.slug} = ${slug})`,
            ),
          ),
        );
    },
  };
}

type NewArticle = Readonly<{ title: string; description: string; body: string; tagList?: readonly string[] }>;
type UpdateArticle = Readonly<{ title?: string; description?: string; body?: string }>;

export type ArticleQueries = ReturnType<typeof createArticleQueries>;
