import { boolean, check, index, integer, pgTable, primaryKey, sql, timestamp } from '../orm.ts';
import { users } from './users.ts';

export const follows = pgTable(
  'follows',
  {
    followerId: integer('follower_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    followeeId: integer('followee_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** The followee's articles are counted into the follower's feed counter as they are written (feed.ts). */
    pushed: boolean('pushed').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.followerId, t.followeeId] }),
    index('follows_followee_id_idx').on(t.followeeId),
    // A new article's fan-out: the author's pushed followers only (at most FEED_PUSH_LIMIT of them).
    index('follows_pushed_idx').on(t.followeeId, t.followerId).where(sql`${t.pushed}`),
    // A feed's count: the reader's pulled followees only (authors past FEED_PUSH_LIMIT followers).
    index('follows_pulled_idx').on(t.followerId, t.followeeId).where(sql`not ${t.pushed}`),
    check('follows_not_self', sql`${t.followerId} <> ${t.followeeId}`),
  ],
);
