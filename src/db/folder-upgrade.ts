// An embedded folder made by an older PGlite, moved to the engine Gather runs now. PGlite 0.3 ran PostgreSQL 17;
// 0.5 runs 18, which cannot open 17's files (PGlite's upgrade guide: dump with the old engine, load into the new).
// A Gather folder holds what Gather's migrations made, so the move is: the new engine builds the same schema by
// the same migrations, the old engine's rows are copied table by table (COPY), the sequences set; then the
// schema's shape and every table's row count and checksum are compared. Only then is the folder swapped, by
// renames that a start after kill -9 at any point either redoes from the beginning (the old files untouched)
// or finishes. The old files stay beside the new ones until the user removes them.
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { CommandError } from '../command-error.ts';
import { groupDigits } from '../digits.ts';
import { loadMigrations } from './migrate/files.ts';
import { upgrade } from './migrate/runner.ts';
import { sqlSessionOf } from './pglite-thread.ts';

/** The PostgreSQL major version of folders made by PGlite 0.3, the engine Gather ran before this one. */
const OLD_MAJOR = '17';
/** Where the old engine's files are kept once the folder is moved. */
export const OLD_FILES = `pgdata.postgres${OLD_MAJOR}`;
/** The new engine's folder while it is built and checked: removed by a start that finds it. */
const BUILDING = 'pgdata.upgrading';
/** The new engine's folder once checked: a start that finds it finishes the swap. */
const BUILT = 'pgdata.upgraded';
/** The upgrade's own names in a data folder, beside Gather's other files. */
export const UPGRADE_FILES: readonly string[] = [OLD_FILES, BUILDING, BUILT];

/** What is compared between the two engines: the schema's shape, each table's rows, each sequence. */
type Contents = Readonly<{
  shape: string;
  tables: Map<string, string>;
  sequences: Map<string, string>;
  /** Rows in all tables. */
  rows: number;
}>;

/** Any PGlite instance, old or new: the calls this module makes. */
type Engine = Pick<PGlite, 'query' | 'exec' | 'close'>;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function majorVersion(pgdata: string): Promise<string | undefined> {
  return (await readFile(join(pgdata, 'PG_VERSION'), 'utf8').catch(() => undefined))?.trim();
}

/** Every line of the schema Gather's migrations made; not-null constraints left to the columns (18 lists them). */
const SHAPE_SQL = `
SELECT coalesce(string_agg(line, E'\\n' ORDER BY line), '') AS "shape" FROM (
  SELECT format('column %s.%s %s not null %s default %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) AS line
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
  WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) FROM pg_constraint
  WHERE connamespace = 'public'::regnamespace AND contype <> 'n'
) shape`;

const names = async (engine: Engine, relkind: 'r' | 'S') =>
  (
    await engine.query<{ name: string }>(
      `SELECT relname AS "name" FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = $1 ORDER BY 1`,
      [relkind],
    )
  ).rows.map((row) => row.name);

const columnsOf = async (engine: Engine, table: string) =>
  (
    await engine.query<{ list: string }>(
      `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS "list" FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [`"${table}"`],
    )
  ).rows[0]?.list ?? '';

/** Each sequence's position: its last value and whether it was used (what setval takes). */
async function sequencesOf(engine: Engine): Promise<Map<string, [lastValue: string, isCalled: boolean]>> {
  const positions = new Map<string, [string, boolean]>();
  for (const sequence of await names(engine, 'S')) {
    const [row] = (
      await engine.query<{ last_value: string; is_called: boolean }>(
        `SELECT last_value::text, is_called FROM "${sequence}"`,
      )
    ).rows;
    if (row !== undefined) positions.set(sequence, [row.last_value, row.is_called]);
  }
  return positions;
}

async function contentsOf(engine: Engine): Promise<Contents> {
  const shape = (await engine.query<{ shape: string }>(SHAPE_SQL)).rows[0]?.shape ?? '';
  const tables = new Map<string, string>();
  let rows = 0;
  for (const table of await names(engine, 'r')) {
    const [row] = (
      await engine.query<{ rows: number; sum: string }>(
        `SELECT count(*)::int AS "rows", md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS "sum"
         FROM "${table}" t`,
      )
    ).rows;
    tables.set(table, `${row?.rows} rows, md5 ${row?.sum}`);
    rows += row?.rows ?? 0;
  }
  const sequences = new Map(
    [...(await sequencesOf(engine))].map(([name, position]) => [name, position.join(' ')]),
  );
  return { shape, tables, sequences, rows };
}

/** The first difference between the old engine's contents and the new one's, or undefined. */
function difference(old: Contents, next: Contents): string | undefined {
  if (old.shape !== next.shape) return 'the schema differs';
  for (const kind of ['tables', 'sequences'] as const) {
    if (old[kind].size !== next[kind].size) return `${old[kind].size} ${kind} became ${next[kind].size}`;
    for (const [name, summary] of old[kind]) {
      if (next[kind].get(name) !== summary) return `${name}: ${summary} became ${next[kind].get(name)}`;
    }
  }
  return undefined;
}

/** The old engine's schema made again by the migrations it had applied, then its rows and sequences copied. */
async function load(old: Engine, next: Engine): Promise<void> {
  const applied = (
    await old.query<{ name: string }>(`SELECT "name" FROM gather_migrations ORDER BY "name" DESC LIMIT 1`)
  ).rows[0]?.name;
  const migrations = await loadMigrations();
  if (applied !== undefined) {
    await upgrade({ kind: 'pglite', withSession: (fn) => fn(sqlSessionOf(next)) }, migrations, {
      target: applied,
      log: () => {},
    });
  }
  const tables = await names(old, 'r');
  await next.exec(`BEGIN; SET LOCAL session_replication_role = replica;
    TRUNCATE ${(await names(next, 'r')).map((table) => `"${table}"`).join(', ')}`);
  for (const table of tables) {
    const columns = await columnsOf(old, table);
    const { blob } = await old.query(`COPY "${table}" (${columns}) TO '/dev/blob'`);
    await next.query(`COPY "${table}" (${columns}) FROM '/dev/blob'`, [], { blob });
  }
  for (const [sequence, position] of await sequencesOf(old)) {
    await next.query(`SELECT setval('"${sequence}"', $1, $2)`, position);
  }
  await next.exec('COMMIT');
}

/** Builds the new engine's folder in BUILDING from the old engine's in `pgdata`, and checks it against the old. */
async function build(dir: string, pgdata: string): Promise<{ tables: number; rows: number }> {
  const { PGlite: OldPGlite } = await import('pglite-0.3');
  const { PGlite: NewPGlite } = await import('@electric-sql/pglite');
  const old: Engine = await OldPGlite.create(pgdata);
  try {
    const next: Engine = await NewPGlite.create(join(dir, BUILDING));
    try {
      await load(old, next);
      const [before, after] = [await contentsOf(old), await contentsOf(next)];
      const differs = difference(before, after);
      if (differs !== undefined) throw new Error(`after the copy, ${differs}`);
      return { tables: before.tables.size, rows: before.rows };
    } finally {
      await next.close();
    }
  } finally {
    await old.close();
  }
}

/** The old engine's files out of the way (into OLD_FILES), then the checked folder in their place. */
async function swap(dir: string, pgdata: string): Promise<void> {
  if (pgdata === join(dir, 'pgdata') && (await exists(pgdata))) await rename(pgdata, join(dir, OLD_FILES));
  await rename(join(dir, BUILT), join(dir, 'pgdata'));
}

/**
 * Moves the folder to the current engine when an older PGlite made it (its PostgreSQL files in `pgdata`), or
 * finishes a move interrupted after its check; returns the line that says what it did, undefined when there was
 * nothing to do. Called with the folder locked, before the engine opens it.
 */
export async function upgradeFolder(dir: string, pgdata: string): Promise<string | undefined> {
  await rm(join(dir, BUILDING), { recursive: true, force: true });
  const kept = join(dir, OLD_FILES);
  if (await exists(join(dir, BUILT))) {
    await swap(dir, pgdata);
    return `finished moving the embedded database in ${dir} to PostgreSQL 18 (PGlite 0.5), interrupted after its check; the old files are in ${kept} until you remove them`;
  }
  if ((await majorVersion(pgdata)) !== OLD_MAJOR) return undefined;
  if (pgdata === dir) {
    throw new CommandError(
      `the embedded database in ${dir} was made by an early Gather (its files at the top of the folder) with ` +
        `PostgreSQL ${OLD_MAJOR}: move them into ${join(dir, 'pgdata')}/ (every file but gather.lock and ` +
        'jwt-secret) and start again, and Gather moves it to PostgreSQL 18',
    );
  }
  const started = performance.now();
  const { tables, rows } = await build(dir, pgdata).catch(async (error: unknown) => {
    await rm(join(dir, BUILDING), { recursive: true, force: true });
    throw new CommandError(
      `the embedded database in ${dir} (PostgreSQL ${OLD_MAJOR}, PGlite 0.3) could not be moved to PostgreSQL 18 ` +
        `(${(error as Error).message}); it is left as it was, and this Gather cannot open it: run the Gather ` +
        'that made it, or move the folder aside and start on an empty GATHER_DATA_DIR',
    );
  });
  await rename(join(dir, BUILDING), join(dir, BUILT));
  await swap(dir, pgdata);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  return (
    `moved the embedded database in ${dir} from PostgreSQL ${OLD_MAJOR} (PGlite 0.3) to 18 (PGlite 0.5): ` +
    `${tables} tables, ${groupDigits(rows)} rows, counts and checksums equal, in ${seconds} s; ` +
    `the old files are in ${kept} until you remove them`
  );
}
