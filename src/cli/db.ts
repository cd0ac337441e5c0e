// `gather db <command>`: migrations, aerich/alembic style. Non-interactive; exit code 0 only on success,
// 1 when a command is refused or fails (one line from index.ts), 2 on bad usage.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { loadMigrations, type Migration } from '../db/migrate/files.ts';
import { HISTORY_TABLE, planDowngrade, planUpgrade, renderPlan } from '../db/migrate/plan.ts';
import { downgrade, existingTables, history, MigrationError, upgrade } from '../db/migrate/runner.ts';
import { readSettings, writeSettings } from '../db/migrate/settings.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed = {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
};
/** `target`: the command takes one optional positional argument. */
type Subcommand = { usage: string; options: Options; target?: true; run: (args: Parsed) => Promise<number> };

const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h' } };

/** A command called the wrong way: exit 2 with the command's usage, like an unknown option. */
class UsageError extends Error {}

/**
 * Opens the configured database for `fn` and says which one it is: as a SQL comment for commands whose
 * output is SQL, so that `gather db sql > review.sql` stays a valid script.
 */
async function withDatabase<T>(
  fn: (database: Database) => Promise<T>,
  { sqlOutput = false }: { sqlOutput?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
  });
  try {
    console.log(`${sqlOutput ? '-- ' : ''}database: ${database.label}`);
    return await fn(database);
  } finally {
    await database.close();
  }
}

async function projectMigrations(): Promise<{
  migrationsDir: string;
  schemaPath: string;
  migrations: Migration[];
}> {
  const settings = await readSettings(process.cwd());
  return { ...settings, migrations: await loadMigrations(settings.migrationsDir) };
}

function printWritten(written: { migration: Migration; backfill: string[] }): void {
  const { migration, backfill } = written;
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

async function sql(target: string | undefined): Promise<number> {
  const { migrations } = await projectMigrations();
  await withDatabase(
    async (database) => {
      process.stdout.write(renderPlan(planUpgrade(migrations, await history(database), target)));
    },
    { sqlOutput: true },
  );
  return 0;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  init: {
    usage: `init [--schema <file>] [--migrations <folder>]
  Writes the migration settings under "gather" in ./package.json (defaults: src/db/schema/index.ts,
  src/db/migrations). Safe to run again.`,
    options: { schema: { type: 'string' }, migrations: { type: 'string' } },
    run: async ({ values }) => {
      const { settings, changed } = await writeSettings(process.cwd(), {
        schema: values.schema as string | undefined,
        migrations: values.migrations as string | undefined,
      });
      const text = JSON.stringify({ gather: settings });
      console.log(changed ? `wrote ${text} to package.json` : `package.json already has ${text}; unchanged`);
      return 0;
    },
  },
  'init-db': {
    usage: `init-db
  On an empty database: creates the schema from the first migration (generated from the TypeScript
  schema when the migrations folder is empty) and records it. Refuses when the database has tables.`,
    options: {},
    run: async () => {
      let { migrations, migrationsDir, schemaPath } = await projectMigrations();
      if (migrations.length === 0) {
        const { generateMigration } = await import('../../tools/db-author/generator.ts');
        const written = await generateMigration(migrationsDir, schemaPath, migrations, 'init');
        if (written === undefined) throw new MigrationError(`the schema in ${schemaPath} declares no tables`);
        printWritten(written);
        migrations = [written.migration];
      }
      const first = migrations[0]!;
      await withDatabase(async (database) => {
        // An empty history table (what `downgrade base` leaves) does not make the database non-empty.
        const recorded = (await history(database)).length > 0;
        const tables = (await existingTables(database)).filter((t) => recorded || t !== HISTORY_TABLE);
        if (tables.length > 0) {
          throw new MigrationError(
            `init-db is for an empty database, this one has tables (${tables.join(', ')}); ` +
              'use `gather db upgrade` (see `gather db history`)',
          );
        }
        await upgrade(database, migrations, { target: first.name });
        console.log(`applied ${first.name}`);
      });
      return 0;
    },
  },
  migrate: {
    usage: `migrate --name <name> [--rename <old>=<new>]... [--drop-and-create]
  Diffs the TypeScript schema against the last migration's snapshot and writes the next numbered migration
  (up.sql, down.sql, snapshot.json), then prints its SQL. Review and edit it before upgrading.
  --rename users=people          table users was renamed to people
  --rename users.bio=about       column bio of users (by its new table name) was renamed to about
  --drop-and-create              what disappeared was dropped and what appeared is new (no renames)`,
    options: {
      name: { type: 'string' },
      rename: { type: 'string', multiple: true },
      'drop-and-create': { type: 'boolean', default: false },
    },
    run: async ({ values }) => {
      if (typeof values.name !== 'string') throw new UsageError('migrate needs --name <name>');
      const { migrations, migrationsDir, schemaPath } = await projectMigrations();
      const { generateMigration } = await import('../../tools/db-author/generator.ts');
      const { parseRename } = await import('../../tools/db-author/snapshot-renames.ts');
      const written = await generateMigration(migrationsDir, schemaPath, migrations, values.name, {
        renames: ((values.rename as string[] | undefined) ?? []).map(parseRename),
        dropAndCreate: values['drop-and-create'] === true,
      });
      if (written === undefined) console.log('no changes');
      else printWritten(written);
      return 0;
    },
  },
  sql: {
    usage: `sql [target]
  Prints exactly the SQL \`upgrade [target]\` would run, migration by migration; changes nothing.`,
    target: true,
    options: {},
    run: async ({ positionals }) => sql(positionals[0]),
  },
  upgrade: {
    usage: `upgrade [target] [--dry-run]
  Applies pending migrations up to target (default: all), each in one transaction, recorded in
  gather_migrations. Refuses if an applied migration was edited. --dry-run: same as \`gather db sql\`.`,
    target: true,
    options: { 'dry-run': { type: 'boolean', default: false } },
    run: async ({ values, positionals }) => {
      const target = positionals[0];
      if (values['dry-run']) return sql(target);
      const { migrations } = await projectMigrations();
      await withDatabase(async (database) => {
        const applied = await upgrade(database, migrations, {
          target,
          onApply: (m) => console.log(`applied ${m.name}`),
        });
        if (applied.length === 0) console.log('nothing to apply');
      });
      return 0;
    },
  },
  downgrade: {
    usage: `downgrade [-n <count> | <target> | base] [--dry-run]
  Undoes applied migrations newest first, each in one transaction: the last <count> (default 1), or all
  after <target> (base: all). --dry-run prints the SQL and changes nothing.`,
    target: true,
    options: { n: { type: 'string', short: 'n' }, 'dry-run': { type: 'boolean', default: false } },
    run: async ({ values, positionals }) => {
      const target = positionals[0];
      if (target !== undefined && values.n !== undefined)
        throw new UsageError('give -n or a target, not both');
      const count = Number(values.n ?? 1);
      if (!Number.isInteger(count) || count < 1) throw new UsageError(`-n must be a positive integer`);
      const to = target === undefined ? { count } : { target };
      const { migrations } = await projectMigrations();
      if (values['dry-run']) {
        await withDatabase(
          async (database) => {
            process.stdout.write(renderPlan(planDowngrade(migrations, await history(database), to)));
          },
          { sqlOutput: true },
        );
        return 0;
      }
      await withDatabase(async (database) => {
        const undone = await downgrade(database, migrations, to, (m) => console.log(`undid ${m.name}`));
        if (undone.length === 0) console.log('nothing to undo');
      });
      return 0;
    },
  },
  history: {
    usage: `history
  Applied migrations with the time they were applied, then the pending ones.`,
    options: {},
    run: async () => {
      const { migrations } = await projectMigrations();
      await withDatabase(async (database) => {
        const applied = new Map((await history(database)).map((row) => [row.name, row]));
        const names = [...new Set([...applied.keys(), ...migrations.map((m) => m.name)])].sort();
        for (const name of names) {
          const row = applied.get(name);
          console.log(
            row === undefined ? `pending  ${name}` : `applied  ${name}  ${row.appliedAt.toISOString()}`,
          );
        }
      });
      return 0;
    },
  },
  heads: {
    usage: `heads
  The newest migration on disk, the newest applied one, and what is pending between them.`,
    options: {},
    run: async () => {
      const { migrations } = await projectMigrations();
      await withDatabase(async (database) => {
        const applied = await history(database);
        const waiting = planUpgrade(migrations, applied).map((step) => step.migration.name);
        console.log(`files head:    ${migrations.at(-1)?.name ?? '(no migrations)'}`);
        console.log(`database head: ${applied.at(-1)?.name ?? '(empty)'}`);
        console.log(`pending:       ${waiting.length === 0 ? 'none' : waiting.join(', ')}`);
      });
      return 0;
    },
  },
  check: {
    usage: `check
  Exits 1 when the TypeScript schema has changes that no migration captures (for CI).`,
    options: {},
    run: async () => {
      const { migrations, schemaPath } = await projectMigrations();
      const { uncapturedChanges } = await import('../../tools/db-author/generator.ts');
      const { up } = await uncapturedChanges(schemaPath, migrations);
      if (up.length === 0) {
        console.log(`schema matches ${migrations.at(-1)?.name ?? 'the empty database'}`);
        return 0;
      }
      console.error(`the schema has changes no migration captures:\n\n${up.join('\n')}\n`);
      console.error('write one with `gather db migrate --name <what changed>`');
      return 1;
    },
  },
};

const HELP = `Usage: gather db <command> [options]

Commands:
${Object.values(SUBCOMMANDS)
  .map((sub) => `  ${sub.usage.split('\n')[0]}`)
  .join('\n')}

Database: DATABASE_URL (PostgreSQL) or the PGlite folder GATHER_DATA_DIR (default ./.gather).
Run gather db <command> --help for details.`;

export async function db(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  const sub = SUBCOMMANDS[name];
  if (sub === undefined) {
    console.error(`gather db: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...sub.options, ...HELP_OPTION }, allowPositionals: true });
  } catch (error) {
    console.error(`gather db ${name}: ${(error as Error).message}\n\nUsage: gather db ${sub.usage}`);
    return 2;
  }
  if (parsed.positionals.length > (sub.target ? 1 : 0)) {
    console.error(
      `gather db ${name}: unexpected ${parsed.positionals.join(' ')}\n\nUsage: gather db ${sub.usage}`,
    );
    return 2;
  }
  if (parsed.values.help) {
    console.log(`Usage: gather db ${sub.usage}`);
    return 0;
  }
  try {
    return await sub.run(parsed);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`gather db ${name}: ${error.message}\n\nUsage: gather db ${sub.usage}`);
    return 2;
  }
}
