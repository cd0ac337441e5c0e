import { integer, pgTable, sql, text, timestamp, uniqueIndex } from '../orm.ts';

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    username: text('username').notNull(),
    email: text('email').notNull(),
    /** Only the table row carries the hash; no DTO has a field for it. */
    passwordHash: text('password_hash').notNull(),
    /** Raised by each password or email change: a token signed with an older value is refused. */
    credentialsVersion: integer('credentials_version').notNull().default(0),
    bio: text('bio'),
    image: text('image'),
    /** Kept by triggers in the same transaction as the rows they count (see the first migration). */
    articlesCount: integer('articles_count').notNull().default(0),
    favoritesCount: integer('favorites_count').notNull().default(0),
    /** Followers whose feed counters this author's new and deleted articles update (src/db/schema/feed.ts). */
    pushedFollowers: integer('pushed_followers').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_username_key').on(t.username),
    // Emails are compared case-insensitively: Jake@x.io and jake@x.io are one account.
    uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
  ],
);
