// A database of its own on the shared PostgreSQL server (DATABASE_URL, or the local test server), created
// for one scenario and dropped after it. Never any other database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const SHARED_POSTGRES = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A new database on the shared PostgreSQL server, dropped by the returned cleanup. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: SHARED_POSTGRES });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(SHARED_POSTGRES);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
