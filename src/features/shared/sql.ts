// SQL fragments and row types that several features' queries share (see src/db/statement.ts for how
// statements are prepared and why every field is aliased).
import type { AnyColumn, SQL } from 'drizzle-orm';
import { sql } from '../../db/orm.ts';
import { follows, users } from '../../db/schema/index.ts';

/** Select or returning fields, each aliased to its key (`"users"."bio" as "authorBio"`): a raw row then
 * carries the row type's field names. */
export function aliased(fields: Record<string, AnyColumn | SQL>): Record<string, SQL.Aliased> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, sql`${value}`.as(name)]));
}

/** A timestamptz as the API's ISO 8601 text in UTC (`2026-11-25T11:20:18.123Z`, what `Date#toISOString`
 * gives), formatted by PostgreSQL: no Date is parsed from PostgreSQL's text and formatted back per row. */
export const isoText = (column: AnyColumn): SQL<string> =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Whether a row exists, probed by key for each row it is asked for: `exists(select 1 from <rows> offset 0)`.
 * The offset keeps PostgreSQL from turning the EXISTS into a hashed subplan, which reads every matching row of
 * the viewer first (all their favorites or follows: 10,000 for a reader following 10,000 authors) for a page
 * of 20.
 */
export const probe = (rows: SQL): SQL<boolean> => sql`exists(select 1 from ${rows} offset 0)`;

/** Whether the viewer (placeholder `viewerId`, 0 when anonymous) follows `followeeId`. */
export const followingSql = (followeeId: AnyColumn): SQL<boolean> =>
  probe(
    sql`${follows} where ${follows.followeeId} = ${followeeId} and ${follows.followerId} = ${sql.placeholder('viewerId')}`,
  );

/** The author of an article or comment as its row carries it (with `users` joined on the author). */
export const authorFields = {
  authorUsername: users.username,
  authorBio: users.bio,
  authorImage: users.image,
  authorFollowing: followingSql(users.id),
};

export type AuthorRow = {
  authorUsername: string;
  authorBio: string | null;
  authorImage: string | null;
  authorFollowing: boolean;
};
