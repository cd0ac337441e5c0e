import { integer, pgTable } from '../orm.ts';
import { users } from './users.ts';

/**
 * One row per reader who follows anyone: how many authors they follow and how many articles of their
 * pushed followees there are, kept by triggers in the transaction that changes follows or articles (0003).
 * A feed's articlesCount is `pushed_articles` plus the article counts of the reader's pulled followees: an
 * author's first FEED_PUSH_LIMIT followers are pushed (each new article adds one to their counters), later
 * ones pulled (read at the feed's read), so a write by an author with 100,000 followers updates 1,000 rows.
 */
export const feedCounts = pgTable('feed_counts', {
  readerId: integer('reader_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  followeesCount: integer('followees_count').notNull().default(0),
  pushedArticles: integer('pushed_articles').notNull().default(0),
});
