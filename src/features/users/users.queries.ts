// User queries: plain functions over the db handle, hot ones as named prepared statements.
import { eq, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { users } from '../../db/schema/index.ts';

export type UserRow = typeof users.$inferSelect;

export function createUserQueries(db: Db) {
  const byId = db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('user_by_id');
  const byEmail = db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${sql.placeholder('email')})`)
    .prepare('user_by_email');

  return {
    byId: async (id: number): Promise<UserRow | undefined> => (await byId.execute({ id }))[0],
    byEmail: async (email: string): Promise<UserRow | undefined> => (await byEmail.execute({ email }))[0],

    /** Inserts a user, or returns undefined when the username or email is taken (race-safe). */
    insert: async (values: { username: string; email: string; passwordHash: string }) =>
      (await db.insert(users).values(values).onConflictDoNothing().returning())[0],

    /** Which of username/email is taken, after an insert found a conflict. */
    takenFields: async (username: string, email: string): Promise<('username' | 'email')[]> => {
      const rows = await db
        .select({ username: users.username, email: users.email })
        .from(users)
        .where(or(eq(users.username, username), sql`lower(${users.email}) = lower(${email})`));
      const fields = new Set<'username' | 'email'>();
      for (const row of rows) {
        if (row.username === username) fields.add('username');
        if (row.email.toLowerCase() === email.toLowerCase()) fields.add('email');
      }
      return [...fields];
    },

    update: async (
      id: number,
      changes: Partial<Pick<UserRow, 'username' | 'email' | 'passwordHash' | 'bio' | 'image'>>,
    ): Promise<UserRow | undefined> =>
      (
        await db
          .update(users)
          .set({ ...changes, updatedAt: sql`now()` })
          .where(eq(users.id, id))
          .returning()
      )[0],
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
