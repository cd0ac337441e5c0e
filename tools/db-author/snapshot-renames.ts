// Renames declared on the command line (`--rename users=people`, `--rename users.bio=about`), applied to
// the previous drizzle-kit snapshot so that the diff engine sees no rename left to ask about.
import { MigrationError } from '../../src/db/migrate/migration-error.ts';

export type Rename =
  | Readonly<{ kind: 'table'; from: string; to: string }>
  | Readonly<{ kind: 'column'; table: string; from: string; to: string }>;

/** Just the parts of a drizzle-kit snapshot that renames touch. */
type SnapshotColumn = { name: string };
type SnapshotIndex = { columns: { expression: string; isExpression: boolean }[] };
type SnapshotForeignKey = { tableFrom: string; tableTo: string; columnsFrom: string[]; columnsTo: string[] };
type SnapshotTable = {
  name: string;
  schema: string;
  columns: Record<string, SnapshotColumn>;
  indexes: Record<string, SnapshotIndex>;
  foreignKeys: Record<string, SnapshotForeignKey>;
  compositePrimaryKeys: Record<string, { columns: string[] }>;
  uniqueConstraints: Record<string, { columns: string[] }>;
};
export type Snapshot = { tables: Record<string, SnapshotTable> } & Record<string, unknown>;

const IDENTIFIER = '[a-z_][a-z0-9_]*';
const TABLE_RENAME = new RegExp(`^(${IDENTIFIER})=(${IDENTIFIER})$`);
const COLUMN_RENAME = new RegExp(`^(${IDENTIFIER})\\.(${IDENTIFIER})=(${IDENTIFIER})$`);

/** "old=new" renames a table; "table.old=new" renames a column of the table (by its new name). */
export function parseRename(spec: string): Rename {
  const table = TABLE_RENAME.exec(spec);
  if (table !== null) return { kind: 'table', from: table[1]!, to: table[2]! };
  const column = COLUMN_RENAME.exec(spec);
  if (column !== null) return { kind: 'column', table: column[1]!, from: column[2]!, to: column[3]! };
  throw new MigrationError(
    `--rename "${spec}" must look like old_table=new_table or table.old_column=new_column`,
  );
}

function tableKey(table: Pick<SnapshotTable, 'name' | 'schema'>): string {
  return `${table.schema || 'public'}.${table.name}`;
}

function findTable(snapshot: Snapshot, name: string): SnapshotTable | undefined {
  return Object.values(snapshot.tables).find((table) => table.name === name);
}

const renamed = (names: string[], from: string, to: string) => names.map((n) => (n === from ? to : n));

function renameTable(snapshot: Snapshot, from: string, to: string): void {
  const table = findTable(snapshot, from)!;
  delete snapshot.tables[tableKey(table)];
  table.name = to;
  snapshot.tables[tableKey(table)] = table;
  for (const other of Object.values(snapshot.tables)) {
    for (const fk of Object.values(other.foreignKeys)) {
      if (fk.tableFrom === from) fk.tableFrom = to;
      if (fk.tableTo === from) fk.tableTo = to;
    }
  }
}

function renameColumn(snapshot: Snapshot, table: SnapshotTable, from: string, to: string): void {
  const column = table.columns[from]!;
  delete table.columns[from];
  column.name = to;
  table.columns[to] = column;
  for (const index of Object.values(table.indexes)) {
    for (const part of index.columns) {
      // PostgreSQL rewrites expression indexes on rename; the snapshot must say what the database has.
      part.expression = part.isExpression
        ? part.expression.replaceAll(`"${from}"`, `"${to}"`)
        : part.expression === from
          ? to
          : part.expression;
    }
  }
  for (const key of Object.values(table.compositePrimaryKeys)) key.columns = renamed(key.columns, from, to);
  for (const unique of Object.values(table.uniqueConstraints)) {
    unique.columns = renamed(unique.columns, from, to);
  }
  for (const other of Object.values(snapshot.tables)) {
    for (const fk of Object.values(other.foreignKeys)) {
      if (fk.tableFrom === table.name) fk.columnsFrom = renamed(fk.columnsFrom, from, to);
      if (fk.tableTo === table.name) fk.columnsTo = renamed(fk.columnsTo, from, to);
    }
  }
}

/**
 * The previous snapshot as it is after the renames (a copy), with the SQL that performs them and the SQL
 * that undoes them. Table renames go first, so a column rename names its table by the new name.
 */
export function applyRenames(
  previous: Snapshot,
  current: Snapshot,
  renames: readonly Rename[],
): { snapshot: Snapshot; up: string[]; down: string[] } {
  const snapshot = structuredClone(previous);
  const ordered = [...renames].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'table' ? -1 : 1));
  const up: string[] = [];
  const down: string[] = [];
  for (const rename of ordered) {
    if (rename.kind === 'table') {
      if (findTable(snapshot, rename.from) === undefined) {
        throw new MigrationError(
          `--rename ${rename.from}=${rename.to}: no table ${rename.from} in the last snapshot`,
        );
      }
      if (findTable(snapshot, rename.to) !== undefined || findTable(current, rename.to) === undefined) {
        throw new MigrationError(
          `--rename ${rename.from}=${rename.to}: ${rename.to} must be a new table of the schema`,
        );
      }
      renameTable(snapshot, rename.from, rename.to);
      up.push(`ALTER TABLE "${rename.from}" RENAME TO "${rename.to}";`);
      down.unshift(`ALTER TABLE "${rename.to}" RENAME TO "${rename.from}";`);
    } else {
      const spec = `--rename ${rename.table}.${rename.from}=${rename.to}`;
      const table = findTable(snapshot, rename.table);
      if (table?.columns[rename.from] === undefined) {
        throw new MigrationError(`${spec}: no column ${rename.table}.${rename.from} in the last snapshot`);
      }
      if (
        table.columns[rename.to] !== undefined ||
        findTable(current, rename.table)?.columns[rename.to] === undefined
      ) {
        throw new MigrationError(
          `${spec}: ${rename.to} must be a new column of ${rename.table} in the schema`,
        );
      }
      renameColumn(snapshot, table, rename.from, rename.to);
      up.push(`ALTER TABLE "${rename.table}" RENAME COLUMN "${rename.from}" TO "${rename.to}";`);
      down.unshift(`ALTER TABLE "${rename.table}" RENAME COLUMN "${rename.to}" TO "${rename.from}";`);
    }
  }
  return { snapshot, up, down };
}
