// A database of its own on a PostgreSQL server, created for one run (a test, a scenario, a benchmark) and
// dropped after it. Never any other database.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type ScratchDatabase = Readonly<{ url: string; drop(): Promise<void> }>;

/**
 * Creates `<prefix>_<pid>_<random>` on the server of `serverUrl` (its user, host and options are kept in the
 * returned URL); drop() removes it, ending any sessions still open on it.
 */
export async function scratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
