import { index, integer, pgTable, primaryKey, timestamp } from '../orm.ts';
import { articles } from './articles.ts';
import { users } from './users.ts';

export const favorites = pgTable(
  'favorites',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // (user_id, article_id): ?favorited= reads one user's favorites newest article first.
    primaryKey({ columns: [t.userId, t.articleId] }),
    index('favorites_article_id_idx').on(t.articleId),
  ],
);
