// The migration authoring half of `gather db` (migrate, check, and init-db on an empty migrations folder),
// around drizzle-kit: what a source checkout's `gather` gives src/cli/db.ts.
import type { MigrateOptions } from '../../src/cli/dev-time.ts';
import { loadMigrations, type Migration } from '../../src/db/migrate/files.ts';
import { planSteps, unsafeStatements } from '../../src/db/migrate/plan.ts';
import { readSettings } from '../../src/db/migrate/settings.ts';
import { generateMigration, uncapturedChanges } from './generator.ts';
import { parseRename } from './snapshot-renames.ts';

async function project() {
  const { migrationsDir, schemaPath } = await readSettings(process.cwd());
  return { migrationsDir, schemaPath, migrations: await loadMigrations(migrationsDir) };
}

async function printWritten(migration: Migration): Promise<void> {
  console.log(`wrote ${migration.dir}/{up.sql,down.sql,snapshot.json}\n`);
  console.log(
    `-- ${migration.name}/up.sql\n${migration.up}\n-- ${migration.name}/down.sql\n${migration.down}`,
  );
  const unsafe = unsafeStatements(await planSteps([{ migration, direction: 'up' }], { concurrently: true }));
  if (unsafe.length > 0) {
    console.log(
      `warning: upgrade refuses ${unsafe.length} statement(s) of up.sql until each is changed or acknowledged ` +
        `(the -- gather: comments above it say how):\n${unsafe.join('\n')}`,
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
  if (written !== undefined) await printWritten(written);
  return written;
}

/** The SQL no migration captures yet. */
export async function uncaptured(): Promise<string[]> {
  const { schemaPath, migrations } = await project();
  return (await uncapturedChanges(schemaPath, migrations)).up;
}
