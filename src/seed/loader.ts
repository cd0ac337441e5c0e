// Bulk loading on one connection: COPY … FROM STDIN (pg-copy-streams) on PostgreSQL; multi-row
// INSERTs on any SqlSession (PGlite: the same instance the migrations ran on, one per data folder).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { SqlSession } from '../db/database.ts';
import type { Value } from './dataset.ts';

export type Loader = {
  query<T>(text: string): Promise<T[]>;
  /** Runs a script of several statements (no parameters, no result). */
  exec(script: string): Promise<void>;
  /** Loads chunks of rows into `table`; `onRows` is told how many rows went in so far. */
  load(
    table: string,
    columns: string[],
    chunks: Iterable<Value[][]>,
    onRows: (rows: number) => void,
  ): Promise<void>;
};

const columnList = (columns: string[]) => columns.map((c) => `"${c}"`).join(', ');

/** CSV field: quoted, quotes doubled; null is an unquoted empty field (NULL for COPY … csv). */
function csvField(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return `"${value.replaceAll('"', '""')}"`;
}

const csv = (rows: Value[][]) => `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`;

/** PostgreSQL: its own client (COPY needs the raw connection), one transaction on it. */
export async function copyLoader(databaseUrl: string): Promise<Loader & { close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    query: async <T>(text: string) => (await client.query(text)).rows as T[],
    exec: async (script) => {
      await client.query(script);
    },
    load: async (table, columns, chunks, onRows) => {
      let loaded = 0;
      const text = Readable.from(chunks).map((rows: Value[][]) => {
        loaded += rows.length;
        onRows(loaded);
        return csv(rows);
      });
      await pipeline(
        text,
        // FREEZE: rows written already frozen and visible to all, so the VACUUM after the load has little to
        // do; allowed because the seed truncates every table earlier in the same transaction.
        client.query(
          copyFrom(`COPY "${table}" (${columnList(columns)}) FROM STDIN WITH (FORMAT csv, FREEZE)`),
        ),
      );
    },
    close: () => client.end(),
  };
}

/** The most parameters one INSERT takes: PGlite's protocol fails past a signed 16-bit count ("Invalid array
 * length"), below PostgreSQL's 65,535. */
export const MAX_INSERT_PARAMETERS = 32_767;

/** Multi-row INSERTs with parameters; ids are given, hence OVERRIDING SYSTEM VALUE. A chunk is split so that
 * no INSERT has more than MAX_INSERT_PARAMETERS (5,000 articles × 9 columns would). */
export function insertLoader(session: SqlSession): Loader {
  return {
    query: <T>(text: string) => session.query(text) as Promise<T[]>,
    exec: (script) => session.exec(script),
    load: async (table, columns, chunks, onRows) => {
      const rowsPerInsert = Math.floor(MAX_INSERT_PARAMETERS / columns.length);
      let loaded = 0;
      for (const chunk of chunks) {
        for (let start = 0; start < chunk.length; start += rowsPerInsert) {
          const rows = chunk.slice(start, start + rowsPerInsert);
          const tuples = rows.map(
            (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
          );
          const sql = `INSERT INTO "${table}" (${columnList(columns)}) OVERRIDING SYSTEM VALUE VALUES ${tuples.join(', ')}`;
          await session.query(sql, rows.flat());
        }
        loaded += chunk.length;
        onRows(loaded);
      }
    },
  };
}
