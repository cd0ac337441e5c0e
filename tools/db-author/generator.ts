// `gather db migrate` and `gather db check`: the TypeScript schema against the last migration's snapshot.
// Loaded only by those commands, so that applying migrations never needs drizzle-kit installed.
import {
  type Migration,
  nextMigrationName,
  readSnapshot,
  writeMigration,
} from '../../src/db/migrate/files.ts';
import {
  type DiffOptions,
  diffSnapshots,
  emptySnapshot,
  type SchemaDiff,
  snapshotOfSchema,
} from './schema-diff.ts';
import type { Snapshot } from './snapshot-renames.ts';

/** What the database of the last migration lacks to match the TypeScript schema (empty `up`: nothing). */
export async function uncapturedChanges(
  schemaPath: string,
  migrations: readonly Migration[],
  options: DiffOptions = {},
): Promise<SchemaDiff> {
  const last = migrations.at(-1);
  const previous = last === undefined ? emptySnapshot() : ((await readSnapshot(last)) as Snapshot);
  const current = await snapshotOfSchema(schemaPath, previous.id as string);
  return diffSnapshots(previous, current, options);
}

/** Statements that make existing rows NOT NULL with nothing to fill them: they need a backfill. */
export function needingBackfill(statements: readonly string[]): string[] {
  return statements.filter(
    (statement) =>
      /\bSET NOT NULL\b/i.test(statement) ||
      (/^ALTER TABLE .* ADD COLUMN .* NOT NULL/is.test(statement) &&
        !/\b(DEFAULT|IDENTITY)\b/i.test(statement)),
  );
}

const sqlFile = (statements: readonly string[]) =>
  `${statements.map((statement) => statement.trim()).join('\n\n')}\n`;

/** Writes the next numbered migration (up, down, snapshot); undefined when the schema has no changes. */
export async function generateMigration(
  migrationsDir: string,
  schemaPath: string,
  migrations: readonly Migration[],
  name: string,
  options: DiffOptions = {},
): Promise<{ migration: Migration; backfill: string[] } | undefined> {
  const diff = await uncapturedChanges(schemaPath, migrations, options);
  if (diff.up.length === 0) return undefined;
  const migration = await writeMigration(migrationsDir, {
    name: nextMigrationName(migrations, name),
    up: sqlFile(diff.up),
    down: sqlFile(diff.down),
    snapshot: diff.snapshot,
  });
  return { migration, backfill: needingBackfill(diff.up) };
}
