// `gather db migrate` and `gather db check`: the TypeScript schema against the last migration's snapshot.
// Loaded only by those commands, so that applying migrations never needs drizzle-kit installed.
import {
  type Migration,
  nextMigrationName,
  readSnapshot,
  writeMigration,
} from '../../src/db/migrate/files.ts';
import { safeStatements } from './safe-form.ts';
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

const sqlFile = (statements: readonly string[]) =>
  `${statements.map((statement) => statement.trim()).join('\n\n')}\n`;

/**
 * Writes the next numbered migration (up, down, snapshot) in its safe form (safe-form.ts); undefined when the
 * schema has no changes.
 */
export async function generateMigration(
  migrationsDir: string,
  schemaPath: string,
  migrations: readonly Migration[],
  name: string,
  options: DiffOptions = {},
): Promise<Migration | undefined> {
  const diff = await uncapturedChanges(schemaPath, migrations, options);
  if (diff.up.length === 0) return undefined;
  const migrationName = nextMigrationName(migrations, name);
  return writeMigration(migrationsDir, {
    name: migrationName,
    up: sqlFile(await safeStatements(diff.up, `${migrationName}/up.sql`, 'up')),
    down: sqlFile(await safeStatements(diff.down, `${migrationName}/down.sql`, 'down')),
    snapshot: diff.snapshot,
  });
}
