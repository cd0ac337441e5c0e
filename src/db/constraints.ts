// The constraint names the code recognises, named in this one place, and the one reader of what a
// database error says (its SQLSTATE and violated constraint). The schema files spell the unique indexes
// out themselves (a `gather db` scratch project copies src/db/schema alone, so it imports nothing from
// here); test/db/constraints.test.ts checks that every name below exists in the migrated schema.

/** The unique indexes a request can run into, by the field they keep unique ("email has already been taken"). */
export const UNIQUE_INDEX = {
  email: 'users_email_key',
  username: 'users_username_key',
  slug: 'articles_slug_key',
} as const;

/** The foreign keys to users (drizzle-kit's names, in the first migration): a violation means the user is gone. */
export const USER_FOREIGN_KEYS: ReadonlySet<string> = new Set([
  'articles_author_id_users_id_fk',
  'comments_author_id_users_id_fk',
  'favorites_user_id_users_id_fk',
  'follows_follower_id_users_id_fk',
  'follows_followee_id_users_id_fk',
]);

export type DatabaseError = Readonly<{
  /** The SQLSTATE ('23505'), or a socket errno ('ECONNREFUSED') when the connection failed. */
  code: string;
  constraint: string | undefined;
}>;

/** What the database (or the socket to it) said; undefined for an error that did not come from it. */
export function databaseErrorOf(error: unknown): DatabaseError | undefined {
  // Drizzle wraps the driver's error: the code sits on a cause, a few levels deep at most.
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const { code, constraint, cause } = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof code === 'string') {
      return { code, constraint: typeof constraint === 'string' ? constraint : undefined };
    }
    current = cause;
  }
  return undefined;
}

/** Whether `error` is a violation of the unique index `name`. */
export function violatesUnique(error: unknown, name: string): boolean {
  const found = databaseErrorOf(error);
  return found?.code === '23505' && found.constraint === name;
}
