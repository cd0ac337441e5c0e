import type { SQL } from 'drizzle-orm';
import type { Db } from './client.ts';

/** Runs a hand-written statement (e.g. a data-modifying CTE) and returns its rows, on either driver. */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** What both drivers' prepared statements have (drizzle declares `all` internal: it is on each driver's class). */
type RawRowsStatement = { all(values: Record<string, unknown>): Promise<unknown[]> };

/**
 * Runs a prepared select and returns its rows as the driver decoded them, without drizzle's generic row
 * mapper: the select must alias every field to the name `T` uses (see articles.queries.ts).
 */
export async function preparedRows<T>(statement: object, values: Record<string, unknown>): Promise<T[]> {
  return (await (statement as RawRowsStatement).all(values)) as T[];
}
