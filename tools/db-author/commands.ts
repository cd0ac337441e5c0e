// The migration authoring half of `gather db` (migrate, check, and init-db on an empty migrations folder),
// around drizzle-kit: what a source checkout's `gather` gives src/cli/db.ts.
import type { MigrateOptions } from '../../src/cli/dev-time.ts';
import { loadMigrations, type Migration } from '../../src/db/migrate/files.ts';
import { readSettings } from '../../src/db/migrate/settings.ts';
import { generateMigration, uncapturedChanges } from './generator.ts';
import { parseRename } from './snapshot-renames.ts';

async function project() {
  const { migrationsDir, schemaPath } = await readSettings(process.cwd());
  return { migrationsDir, schemaPath, migrations: await loadMigrations(migrationsDir) };
}

function printWritten(migration: Migration, backfill: readonly string[]): void {
  console.log(`wrote ${migration.dir}/{up.sql,down.sql,snapshot.json}\n`);
  console.log(
    `-- ${migration.name}/up.sql\n${migration.up}\n-- ${migration.name}/down.sql\n${migration.down}`,
  );
  for (const statement of backfill) {
    const fix = /\bSET NOT NULL\b/i.test(statement)
      ? 'put an UPDATE that fills the column before it in up.sql'
      : 'in up.sql, add the column without NOT NULL, fill it with an UPDATE, then ALTER COLUMN … SET NOT NULL';
    console.log(
      `warning: on a table with rows this fails (no value for existing rows); ${fix}:\n  ${statement}`,
    );
  }
}

/** Writes the next migration from the schema's changes and prints it; undefined when nothing changed. */
export async function migrate(options: MigrateOptions): Promise<Migration | undefined> {
  const { migrationsDir, schemaPath, migrations } = await project();
  const written = await generateMigration(migrationsDir, schemaPath, migrations, options.name, {
    renames: options.renames.map(parseRename),
    dropAndCreate: options.dropAndCreate,
  });
  if (written !== undefined) printWritten(written.migration, written.backfill);
  return written?.migration;
}

/** The SQL no migration captures yet. */
export async function uncaptured(): Promise<string[]> {
  const { schemaPath, migrations } = await project();
  return (await uncapturedChanges(schemaPath, migrations)).up;
}
