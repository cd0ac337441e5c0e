// The TypeScript schema against the last snapshot, through drizzle-kit's own diff engine (drizzle-kit/api).
// drizzle-kit asks "create or rename?" on a terminal (and crashes without one) whenever something
// disappeared and something appeared in the same place; that question is answered here, before it is
// asked: by declared renames, by --drop-and-create, or by refusing with the flags that settle it.
import { pathToFileURL } from 'node:url';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import { MigrationError } from '../../src/db/migrate/migration-error.ts';
import { applyRenames, type Rename, type Snapshot } from './snapshot-renames.ts';

export type SchemaDiff = { up: string[]; down: string[]; snapshot: Snapshot };

export type DiffOptions = {
  renames?: readonly Rename[];
  /** Every table or column that disappeared while another appeared was dropped, not renamed. */
  dropAndCreate?: boolean;
};

/** The snapshot of the TypeScript schema module (the file package.json "gather.schema" names). */
export async function snapshotOfSchema(schemaPath: string, previousId?: string): Promise<Snapshot> {
  const module = (await import(pathToFileURL(schemaPath).href)) as Record<string, unknown>;
  return generateDrizzleJson(module, previousId) as unknown as Snapshot;
}

export function emptySnapshot(): Snapshot {
  return generateDrizzleJson({}) as unknown as Snapshot;
}

const onlyIn = (a: object, b: object) => Object.keys(a).filter((key) => !(key in b));

type Ambiguity = { where: string; gone: string[]; added: string[] };

function ambiguities(previous: Snapshot, current: Snapshot): Ambiguity[] {
  const found: Ambiguity[] = [];
  const gone = onlyIn(previous.tables, current.tables);
  const added = onlyIn(current.tables, previous.tables);
  const name = (key: string) => key.replace(/^public\./, '');
  if (gone.length > 0 && added.length > 0) {
    found.push({ where: 'tables', gone: gone.map(name), added: added.map(name) });
  }
  for (const [key, table] of Object.entries(current.tables)) {
    const before = previous.tables[key];
    if (before === undefined) continue;
    const goneColumns = onlyIn(before.columns, table.columns);
    const addedColumns = onlyIn(table.columns, before.columns);
    if (goneColumns.length > 0 && addedColumns.length > 0) {
      found.push({ where: `columns of ${table.name}`, gone: goneColumns, added: addedColumns });
    }
  }
  for (const kind of ['schemas', 'enums', 'sequences', 'views', 'roles', 'policies']) {
    const before = (previous[kind] ?? {}) as object;
    const after = (current[kind] ?? {}) as object;
    if (onlyIn(before, after).length > 0 && onlyIn(after, before).length > 0) {
      throw new MigrationError(
        `${kind} were both removed and added; gather db cannot tell renames of ${kind} apart: ` +
          'make it two migrations (remove first, then add)',
      );
    }
  }
  return found;
}

function refuse(found: readonly Ambiguity[]): never {
  const lines = found.map((a) => `  ${a.where}: gone ${a.gone.join(', ')}; new ${a.added.join(', ')}`);
  const [first] = found;
  const example =
    first!.where === 'tables'
      ? `--rename ${first!.gone[0]}=${first!.added[0]}`
      : `--rename ${first!.where.slice('columns of '.length)}.${first!.gone[0]}=${first!.added[0]}`;
  throw new MigrationError(
    `ambiguous change, a rename or a drop and a create?\n${lines.join('\n')}\n` +
      `If renamed, say so (e.g. ${example}; the flag repeats); if not, pass --drop-and-create.`,
  );
}

/** `previous` without what `current` dropped (tables, columns and whatever refers to them). */
function withoutDropped(previous: Snapshot, current: Snapshot): Snapshot {
  const snapshot = structuredClone(previous);
  for (const key of onlyIn(snapshot.tables, current.tables)) delete snapshot.tables[key];
  const exists = (table: string, columns: string[]) => {
    const found = Object.values(snapshot.tables).find((t) => t.name === table);
    return found !== undefined && columns.every((column) => column in found.columns);
  };
  for (const [key, table] of Object.entries(snapshot.tables)) {
    for (const column of onlyIn(table.columns, current.tables[key]!.columns)) delete table.columns[column];
    const keep = (columns: string[]) => exists(table.name, columns);
    const filter = <T>(items: Record<string, T>, ok: (item: T) => boolean) => {
      for (const [name, item] of Object.entries(items)) if (!ok(item)) delete items[name];
    };
    filter(table.indexes, (index) =>
      index.columns.every((part) => part.isExpression || keep([part.expression])),
    );
    filter(table.compositePrimaryKeys, (pk) => keep(pk.columns));
    filter(table.uniqueConstraints, (unique) => keep(unique.columns));
    filter(table.foreignKeys, (fk) => keep(fk.columnsFrom) && exists(fk.tableTo, fk.columnsTo));
  }
  return snapshot;
}

// Tables are declared without a schema: migrations apply to whatever schema is first on search_path.
const withoutPublicSchema = (statements: string[]) =>
  statements.map((statement) => statement.replaceAll('REFERENCES "public".', 'REFERENCES '));

type DrizzleSnapshot = Parameters<typeof generateMigration>[0];
const diff = (from: Snapshot, to: Snapshot) =>
  generateMigration(from as unknown as DrizzleSnapshot, to as unknown as DrizzleSnapshot);

/** Up and down SQL from `previous` to `current`; both empty when nothing changed. */
export async function diffSnapshots(
  previous: Snapshot,
  current: Snapshot,
  options: DiffOptions = {},
): Promise<SchemaDiff> {
  const renamed = applyRenames(previous, current, options.renames ?? []);
  const found = ambiguities(renamed.snapshot, current);
  let up: string[];
  let down: string[];
  if (found.length === 0) {
    up = await diff(renamed.snapshot, current);
    down = await diff(current, renamed.snapshot);
  } else if (options.dropAndCreate) {
    // Two diffs, each only dropping or only creating: nothing left for drizzle-kit to ask.
    const middle = withoutDropped(renamed.snapshot, current);
    up = [...(await diff(renamed.snapshot, middle)), ...(await diff(middle, current))];
    down = [...(await diff(current, middle)), ...(await diff(middle, renamed.snapshot))];
  } else {
    refuse(found);
  }
  return {
    up: withoutPublicSchema([...renamed.up, ...up]),
    down: withoutPublicSchema([...down, ...renamed.down]),
    snapshot: current,
  };
}
