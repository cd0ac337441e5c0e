// `gather db <command>`: migrations, aerich/alembic style. Non-interactive; exit code 0 only on success,
// 1 when a command is refused or fails (one line), 2 on bad usage. Writing migrations from the TypeScript
// schema (migrate, check) is dev-time (drizzle-kit); reviewing and applying them ships.

import { Option } from 'commander';
import type { Config } from '../config.ts';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { BACKFILL_TABLE, policyOn } from '../db/migrate/backfill.ts';
import { loadMigrations, type Migration } from '../db/migrate/files.ts';
import {
  type AppliedMigration,
  HISTORY_TABLE,
  planDowngrade,
  planJson,
  planSteps,
  planUpgrade,
  renderPlan,
  type Step,
  unsafeStatements,
} from '../db/migrate/plan.ts';
import { downgrade, existingTables, history, MigrationError, upgrade } from '../db/migrate/runner.ts';
import { readSettings, writeSettings } from '../db/migrate/settings.ts';
import { type DevTime, devTimeRefusal } from './dev-time.ts';
import { type Cli, EXIT, type GatherCommand } from './program.ts';

/** The migrations of the project in this folder (package.json "gather" settings). */
async function projectMigrations(): Promise<Migration[]> {
  return loadMigrations((await readSettings(process.cwd())).migrationsDir);
}

/**
 * Runs `fn` on the configured database, leaving its schema to this command, with the project's migrations;
 * says first which database it is: as a SQL comment for output that is SQL, so that `gather db sql >
 * review.sql` stays a valid script.
 */
async function onDatabase(
  command: string,
  fn: (database: Database, migrations: Migration[], config: Config) => Promise<void>,
  { output = 'text' }: { output?: 'text' | 'sql' | 'json' } = {},
): Promise<number> {
  const migrations = await projectMigrations();
  const config = loadConfig();
  // Loaded here, not at the top: `gather --version` and `--help` need none of it.
  const { openData } = await import('../boot.ts');
  const database = await openData({
    config,
    migrations: 'untouched',
    holder: `gather db ${command}`,
    poolMax: 2,
  });
  try {
    // JSON output is one document: the database is in it instead.
    if (output !== 'json') console.log(`${output === 'sql' ? '-- ' : ''}database: ${database.label}`);
    await fn(database, migrations, config);
    return EXIT.ok;
  } finally {
    await database.close();
  }
}

type Format = 'text' | 'json';

const formatOption = () =>
  new Option('--format <format>', 'text: annotated SQL (a valid script); json: the same, for tools')
    .choices(['text', 'json'])
    .default('text');

/**
 * Prints the plan `plan` makes from the project's migrations and the database's history, every statement
 * annotated with the lock it takes and what is safer; runs nothing.
 */
const printPlan = (
  command: string,
  format: Format,
  plan: (migrations: Migration[], applied: AppliedMigration[]) => Step[],
) =>
  onDatabase(
    command,
    async (database, migrations, config) => {
      const steps = await planSteps(plan(migrations, await history(database)), {
        concurrently: database.kind === 'postgres',
      });
      const policy = policyOn(database.kind, config.migrationPolicy);
      if (format === 'json') {
        const document = { database: database.label, ...planJson(steps, policy) };
        console.log(JSON.stringify(document, null, 2));
      } else {
        process.stdout.write(renderPlan(steps, policy));
      }
    },
    { output: format === 'json' ? 'json' : 'sql' },
  );

/** The migration authoring half, or the one line that says a production install has none. */
function authoring(devTime: DevTime | undefined, command: Parameters<typeof devTimeRefusal>[0]): DevTime {
  if (devTime === undefined) throw devTimeRefusal(command);
  return devTime;
}

/** A `gather db` sub-command, named, summarised and described. */
type SubCommand = (name: string, summary: string, description: string) => GatherCommand;

export function registerDb({ program, finish }: Cli, devTime: DevTime | undefined): void {
  const db = program
    .command('db')
    .summary('migrations: write, review (sql), upgrade, downgrade, history')
    .description(
      'Migrations, aerich/alembic style: written from the TypeScript schema (migrate), reviewed as the exact SQL ' +
        '(sql), applied (upgrade) and undone (downgrade) each in a transaction.',
    )
    .addHelpText(
      'after',
      '\nDatabase: DATABASE_URL (PostgreSQL) or the PGlite folder GATHER_DATA_DIR (default ./.gather).',
    );
  const command: SubCommand = (name, summary, description) =>
    db.command(name).summary(summary).description(description);
  registerAuthoring(command, finish, devTime);
  registerApplying(command, finish);
  registerDowngrade(command, finish);
  registerReading(command, finish);
  registerCheck(command, finish, devTime);
  registerTemplate(command, finish);
}

/** Writing the settings and migrations: init, init-db, migrate. */
function registerAuthoring(command: SubCommand, finish: Cli['finish'], devTime: DevTime | undefined): void {
  command(
    'init',
    'write the migration settings to package.json',
    'Writes the migration settings under "gather" in ./package.json (defaults: src/db/schema/index.ts, ' +
      'src/db/migrations). Safe to run again.',
  )
    .option('--schema <file>', 'the TypeScript schema module')
    .option('--migrations <folder>', 'the migrations folder')
    .action(async (options: { schema?: string; migrations?: string }) => {
      const { settings, changed } = await writeSettings(process.cwd(), options);
      const text = JSON.stringify({ gather: settings });
      console.log(changed ? `wrote ${text} to package.json` : `package.json already has ${text}; unchanged`);
      finish(EXIT.ok);
    });

  command(
    'init-db',
    'create the schema on an empty database',
    'On an empty database: creates the schema from the first migration (generated from the TypeScript ' +
      'schema when the migrations folder is empty) and records it. Refuses when the database has tables.',
  ).action(async () => {
    if ((await projectMigrations()).length === 0) {
      const written = await authoring(devTime, 'gather db init-db (with no migrations yet)').migrate({
        name: 'init',
        renames: [],
        dropAndCreate: false,
      });
      if (written === undefined) throw new MigrationError('the schema declares no tables');
    }
    const code = await onDatabase('init-db', async (database, migrations) => {
      // The empty bookkeeping tables `downgrade base` leaves do not make the database non-empty.
      const recorded = (await history(database)).length > 0;
      const bookkeeping = new Set([HISTORY_TABLE, BACKFILL_TABLE]);
      const tables = (await existingTables(database)).filter((t) => recorded || !bookkeeping.has(t));
      if (tables.length > 0) {
        throw new MigrationError(
          `init-db is for an empty database, this one has tables (${tables.join(', ')}); ` +
            'use `gather db upgrade` (see `gather db history`)',
        );
      }
      const first = migrations[0]!;
      await upgrade(database, migrations, { target: first.name });
      console.log(`applied ${first.name}`);
    });
    finish(code);
  });

  command(
    'migrate',
    'write the next migration from the TypeScript schema (dev-time)',
    "Diffs the TypeScript schema against the last migration's snapshot and writes the next numbered " +
      'migration (up.sql, down.sql, snapshot.json), then prints its SQL; review and edit it before upgrading. ' +
      'Dev-time: needs drizzle-kit.',
  )
    .requiredOption('--name <name>', 'what the migration does, e.g. "add nickname"')
    .option(
      '--rename <old=new>',
      'a table (users=people) or column (users.bio=about, by its new table name) that was renamed; repeatable',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--drop-and-create', 'what disappeared was dropped and what appeared is new (no renames)')
    .action(async (options: { name: string; rename: string[]; dropAndCreate?: boolean }) => {
      const written = await authoring(devTime, 'gather db migrate').migrate({
        name: options.name,
        renames: options.rename,
        dropAndCreate: options.dropAndCreate === true,
      });
      if (written === undefined) console.log('no changes');
      finish(EXIT.ok);
    });
}

/** `gather db check`: unsafe statements no migration acknowledges, and schema changes none captures. */
function registerCheck(command: SubCommand, finish: Cli['finish'], devTime: DevTime | undefined): void {
  command(
    'check',
    'exit 1 when the schema has changes no migration captures (dev-time)',
    'Exits 1 when a migration has an unsafe statement it does not acknowledge, or when the TypeScript schema ' +
      'has changes that no migration captures (for CI). Dev-time: needs drizzle-kit.',
  ).action(async () => {
    const author = authoring(devTime, 'gather db check');
    const migrations = await projectMigrations();
    const steps = await planSteps(
      migrations.map((migration) => ({ migration, direction: 'up' })),
      { concurrently: true },
    );
    const unsafe = unsafeStatements(steps);
    for (const step of steps) {
      const acknowledged = step.lint.allows.map((allow) => `; acknowledges ${allow.rule}: ${allow.why}`);
      console.log(`${step.file}: ${step.lint.annotations.length} statement(s)${acknowledged.join('')}`);
    }
    if (unsafe.length > 0) {
      console.error(
        `${unsafe.length} unsafe statement(s) on a live table that no -- gather:allow acknowledges:\n${unsafe.join('\n')}`,
      );
      return finish(EXIT.failed);
    }
    const up = await author.uncaptured();
    if (up.length === 0) {
      console.log(`schema matches ${migrations.at(-1)?.name ?? 'the empty database'}`);
      return finish(EXIT.ok);
    }
    console.error(`the schema has changes no migration captures:\n\n${up.join('\n')}\n`);
    console.error('write one with `gather db migrate --name <what changed>`');
    finish(EXIT.failed);
  });
}

/** Applying migrations, or printing what that would run: sql, upgrade. */
function registerApplying(command: SubCommand, finish: Cli['finish']): void {
  command(
    'sql',
    'print the SQL upgrade would run',
    'Prints exactly the SQL `upgrade [target]` would run, migration by migration, each statement annotated ' +
      'with the lock it takes, what that blocks, whether it scans or rewrites the table, and the safe ' +
      'alternative; changes nothing.',
  )
    .argument('[target]', 'the last migration to apply (default: all)')
    .addOption(formatOption())
    .action(async (target: string | undefined, options: { format: Format }) =>
      finish(
        await printPlan('sql', options.format, (migrations, applied) =>
          planUpgrade(migrations, applied, target),
        ),
      ),
    );

  command(
    'upgrade',
    'apply pending migrations',
    'Applies pending migrations up to target (default: all), each in one transaction (CONCURRENTLY ' +
      'statements outside it), recorded in gather_migrations; every statement waits at most ' +
      'MIGRATION_LOCK_TIMEOUT_MS for its lock, retried MIGRATION_LOCK_ATTEMPTS times. Refuses if an applied ' +
      'migration was edited, or a pending one has an unsafe statement it does not acknowledge.',
  )
    .argument('[target]', 'the last migration to apply (default: all)')
    .option('--dry-run', 'print the annotated SQL instead (same as `gather db sql`)')
    .option('--allow-unsafe', 'apply unsafe statements that no -- gather:allow acknowledges')
    .addOption(formatOption())
    .action(
      async (
        target: string | undefined,
        options: { dryRun?: boolean; allowUnsafe?: boolean; format: Format },
      ) => {
        if (options.dryRun) {
          return finish(
            await printPlan('upgrade', options.format, (migrations, applied) =>
              planUpgrade(migrations, applied, target),
            ),
          );
        }
        const code = await onDatabase('upgrade', async (database, migrations, config) => {
          const applied = await upgrade(database, migrations, {
            target,
            allowUnsafe: options.allowUnsafe === true,
            locks: config.migrationPolicy,
            onApply: (m) => console.log(`applied ${m.name}`),
          });
          if (applied.length === 0) console.log('nothing to apply');
        });
        finish(code);
      },
    );
}

/** `gather db downgrade`: undo applied migrations, or print what that would run. */
function registerDowngrade(command: SubCommand, finish: Cli['finish']): void {
  const downgradeCommand = command(
    'downgrade',
    'undo applied migrations',
    'Undoes applied migrations newest first, each in one transaction: the last <count> (default 1), or all ' +
      'after <target> (base: all).',
  );
  downgradeCommand
    .argument('[target]', 'the migration to go back to, or base')
    .option('-n <count>', 'how many to undo')
    .option('--dry-run', 'print the annotated SQL and change nothing')
    .addOption(formatOption())
    .action(async (target: string | undefined, options: { n?: string; dryRun?: boolean; format: Format }) => {
      if (target !== undefined && options.n !== undefined)
        downgradeCommand.error('give -n or a target, not both');
      const count = Number(options.n ?? 1);
      if (!Number.isInteger(count) || count < 1) downgradeCommand.error('-n must be a positive integer');
      const to = target === undefined ? { count } : { target };
      if (options.dryRun) {
        return finish(
          await printPlan('downgrade', options.format, (migrations, applied) =>
            planDowngrade(migrations, applied, to),
          ),
        );
      }
      const code = await onDatabase('downgrade', async (database, migrations, config) => {
        const undone = await downgrade(database, migrations, to, (m) => console.log(`undid ${m.name}`), {
          locks: config.migrationPolicy,
        });
        if (undone.length === 0) console.log('nothing to undo');
      });
      finish(code);
    });
}

/** What the database has: history, heads. */
function registerReading(command: SubCommand, finish: Cli['finish']): void {
  command(
    'history',
    'applied and pending migrations',
    'Applied migrations with the time they were applied, then the pending ones.',
  ).action(async () =>
    finish(
      await onDatabase('history', async (database, migrations) => {
        const applied = new Map((await history(database)).map((row) => [row.name, row]));
        const names = [...new Set([...applied.keys(), ...migrations.map((m) => m.name)])].sort();
        for (const name of names) {
          const row = applied.get(name);
          console.log(
            row === undefined ? `pending  ${name}` : `applied  ${name}  ${row.appliedAt.toISOString()}`,
          );
        }
      }),
    ),
  );

  command(
    'heads',
    'the newest migration on disk and in the database',
    'The newest migration on disk, the newest applied one, and what is pending between them.',
  ).action(async () =>
    finish(
      await onDatabase('heads', async (database, migrations) => {
        const applied = await history(database);
        const waiting = planUpgrade(migrations, applied).map((step) => step.migration.name);
        console.log(`files head:    ${migrations.at(-1)?.name ?? '(no migrations)'}`);
        console.log(`database head: ${applied.at(-1)?.name ?? '(empty)'}`);
        console.log(`pending:       ${waiting.length === 0 ? 'none' : waiting.join(', ')}`);
      }),
    ),
  );
}

/** `gather db template`: the embedded database's templates, which new folders are copies of. */
function registerTemplate(command: SubCommand, finish: Cli['finish']): void {
  command(
    'template',
    "make the embedded database's templates (npm install runs it)",
    "Makes the templates new PGlite folders are copied from: PostgreSQL's initdb, run once per PGlite " +
      "version, and the same with Gather's migrations applied, which `gather serve` copies for a new folder " +
      '(seconds); kept in node_modules/.cache/gather; nothing to do when they are there.',
  ).action(async () => {
    // Loaded here: the rest of `gather db` never needs PGlite.
    const { ensureMigratedTemplate, ensureTemplate } = await import('../db/pglite-template.ts');
    const { initdbInThread } = await import('../db/pglite-thread.ts');
    const { openData } = await import('../boot.ts');
    const config = loadConfig();
    const started = performance.now();
    const made = (folder: string) =>
      console.log(`template: ${folder} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const template = await ensureTemplate(initdbInThread);
    if (template === undefined) {
      console.error(
        "gather: cannot keep the embedded database's template (node_modules/.cache is not writable by this " +
          'user): each new folder is created by initdb itself, in seconds; run this as the user who installed',
      );
      return finish(EXIT.failed);
    }
    // Migrated as `gather serve` migrates a new folder: Gather's own migrations, on PGlite.
    const migrate = async (dataDir: string) => {
      const embedded = { ...config, databaseUrl: undefined, databaseReplicaUrls: [], gatherDataDir: dataDir };
      const database = await openData({
        config: embedded,
        migrations: 'apply',
        holder: 'gather db template',
      });
      await database.close();
    };
    try {
      made(await ensureMigratedTemplate(template, await loadMigrations(), migrate));
    } catch (error) {
      // It only spares a new folder its first migrations: without it, `gather serve` applies them (and says why
      // they fail, if they do), so npm install goes on.
      const reason = (error as Error).message.split('\n')[0];
      console.error(
        `gather: no template with the migrations applied (${reason}); new folders apply them at start`,
      );
      made(template.folder);
    }
    finish(EXIT.ok);
  });
}
