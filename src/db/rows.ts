import type { SQL } from 'drizzle-orm';
import type { Db } from './client.ts';

/** Runs a hand-written statement (e.g. a data-modifying CTE) and returns its rows, on either driver. */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
