import { index, integer, pgTable, text, timestamp, uniqueIndex } from '../orm.ts';
import { users } from './users.ts';

export const articles = pgTable(
  'articles',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull(),
    body: text('body').notNull(),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    favoritesCount: integer('favorites_count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('articles_slug_key').on(t.slug),
    // ?author= and the feed: newest first within one author, read backwards. Ascending on purpose: a DESC
    // column is DESC NULLS LAST, which `order by id desc` (NULLS FIRST) cannot use without a sort.
    index('articles_author_id_id_idx').on(t.authorId, t.id),
    // A feed whose followees wrote a large share of the articles: newest first, each author checked against
    // the follows without a read of the article's row.
    index('articles_id_author_id_idx').on(t.id, t.authorId),
  ],
);

/** Single-row table: the exact number of articles, kept by a trigger (an exact count without a scan). */
export const articleTotals = pgTable('article_totals', {
  id: integer('id').primaryKey().default(1),
  articlesCount: integer('articles_count').notNull().default(0),
});
