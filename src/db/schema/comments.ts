import { index, integer, pgTable, text, timestamp } from '../orm.ts';
import { articles } from './articles.ts';
import { users } from './users.ts';

export const comments = pgTable(
  'comments',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    body: text('body').notNull(),
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index('comments_article_id_id_idx').on(t.articleId, t.id),
    index('comments_author_id_idx').on(t.authorId),
  ],
);
