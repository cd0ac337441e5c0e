// Opens the database: embedded PGlite (a locked folder, or memory for tests) or PostgreSQL through pg pools.
// Every round trip and every wait for a pool connection goes through the `instrument` hook it is given, so an
// observer (tracing) can time them; the database knows nothing of who observes.
import type { Database, DatabaseOptions } from './database.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl === undefined ? openPglite(options) : openPostgres(options);
}
