// User queries: each a named prepared statement (src/db/statement.ts). Only these rows carry the password
// hash; no DTO has a field for it.

import type { Db } from '../../db/database.ts';
import { eq, or, sql } from '../../db/orm.ts';
import { users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased } from '../shared/sql.ts';
import type { NewUserInput, UpdateUserInput } from './users.schemas.ts';

const ph = sql.placeholder;

export type UserRow = {
  id: number;
  username: string;
  email: string;
  passwordHash: string;
  /** What the user's tokens are signed with; a password or email change raises it. */
  credentialsVersion: number;
  bio: string | null;
  image: string | null;
};

/** What is stored of a new user: the password only as its hash. */
type NewUser = Omit<NewUserInput, 'password'> & { passwordHash: string };
/** The fields to change (absent: unchanged; bio and image may be set to null). */
type UserChanges = Omit<UpdateUserInput, 'password'> & { passwordHash?: string };

const userFields = aliased({
  id: users.id,
  username: users.username,
  email: users.email,
  passwordHash: users.passwordHash,
  credentialsVersion: users.credentialsVersion,
  bio: users.bio,
  image: users.image,
});
/** Emails are compared case-insensitively, as the unique index on lower(email) does. */
const emailIs = sql`lower(${users.email}) = lower(${ph('email')})`;

/**
 * Changes the given fields of a user in one statement: null keeps a field (bio and image, which may be set to
 * null, with a flag each), and a new password or another email raises the credentials version.
 */
function prepareUpdate(db: Db) {
  return prepare<UserRow>(
    db,
    'user_update',
    db
      .update(users)
      .set({
        email: sql`coalesce(${ph('email')}, ${users.email})`,
        username: sql`coalesce(${ph('username')}, ${users.username})`,
        passwordHash: sql`coalesce(${ph('passwordHash')}, ${users.passwordHash})`,
        // A new password or another email ends the sessions signed before it (tokens carry the version).
        credentialsVersion: sql`${users.credentialsVersion} + (${ph('passwordHash')}::text is not null
          or lower(coalesce(${ph('email')}, ${users.email})) <> lower(${users.email}))::int`,
        // bio and image may be set to null, so a flag says whether each was given.
        bio: sql`case when ${ph('setBio')}::boolean then ${ph('bio')} else ${users.bio} end`,
        image: sql`case when ${ph('setImage')}::boolean then ${ph('image')} else ${users.image} end`,
        updatedAt: sql`now()`,
      })
      .where(eq(users.id, ph('id')))
      .returning(userFields),
  );
}

export function createUserQueries(db: Db) {
  const byId = prepare<UserRow>(
    db,
    'user_by_id',
    db
      .select(userFields)
      .from(users)
      .where(eq(users.id, ph('id'))),
  );
  const byEmail = prepare<UserRow>(db, 'user_by_email', db.select(userFields).from(users).where(emailIs));
  const insert = prepare<UserRow>(
    db,
    'user_insert',
    db
      .insert(users)
      .values({ username: ph('username'), email: ph('email'), passwordHash: ph('passwordHash') })
      .onConflictDoNothing()
      .returning(userFields),
  );
  const holders = prepare<Pick<UserRow, 'username' | 'email'>>(
    db,
    'users_holding_username_or_email',
    db
      .select(aliased({ username: users.username, email: users.email }))
      .from(users)
      .where(or(eq(users.username, ph('username')), emailIs)),
  );
  const update = prepareUpdate(db);

  // On the primary, never a replica: a session check must see a password change as soon as it commits.
  const credentialsVersion = prepare<{ version: number }>(
    db,
    'user_credentials_version',
    db
      .select(aliased({ version: users.credentialsVersion }))
      .from(users)
      .where(eq(users.id, ph('id'))),
    'current',
  );

  return {
    byId: async (id: number): Promise<UserRow | undefined> => (await byId({ id }))[0],
    byEmail: async (email: string): Promise<UserRow | undefined> => (await byEmail({ email }))[0],

    /** The version user `id`'s tokens must carry; undefined when there is no such user. */
    credentialsVersion: async (id: number): Promise<number | undefined> =>
      (await credentialsVersion({ id }))[0]?.version,

    /** Inserts a user, or returns undefined when the username or email is taken (race-safe). */
    insert: async (user: NewUser): Promise<UserRow | undefined> => (await insert(user))[0],

    /** Which of username/email is taken, after an insert found a conflict. */
    takenFields: async (username: string, email: string): Promise<('username' | 'email')[]> => {
      const fields = new Set<'username' | 'email'>();
      for (const row of await holders({ username, email })) {
        if (row.username === username) fields.add('username');
        if (row.email.toLowerCase() === email.toLowerCase()) fields.add('email');
      }
      return [...fields];
    },

    /** Changes the given fields of user `id`; undefined when there is no such user. */
    update: async (id: number, changes: UserChanges): Promise<UserRow | undefined> =>
      (
        await update({
          id,
          email: changes.email ?? null,
          username: changes.username ?? null,
          passwordHash: changes.passwordHash ?? null,
          setBio: changes.bio !== undefined,
          bio: changes.bio ?? null,
          setImage: changes.image !== undefined,
          image: changes.image ?? null,
        })
      )[0],
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
