// A new embedded folder is a copy of a template made once per PGlite version: callers making it at once do not
// clash, it is never half-made, and a folder whose creation was killed mid-copy is created again at the next start.
// The migrated template, which `gather serve` copies for a new folder, is named by its migrations and holds what
// applying them to a new folder gives.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openData } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import {
  CREATING,
  ensureMigratedTemplate,
  ensureTemplate,
  migratedTemplateFor,
  templateFor,
} from '../../src/db/pglite-template.ts';
import { runGather } from '../../tools/harness/server-process.ts';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gather-template-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** An initdb that writes a PG_VERSION and counts its runs. */
function fakeInitdb() {
  const runs: string[] = [];
  const initdb = async (folder: string, tarball?: string) => {
    runs.push(folder);
    await mkdir(folder);
    await writeFile(join(folder, 'PG_VERSION'), '18\n');
    if (tarball !== undefined) await writeFile(tarball, 'files');
  };
  return { initdb, runs };
}

test('callers making the template at once do not clash, and it is kept for the next', async () => {
  const template = templateFor(join(scratch, 'made-once', 'pglite-test'));
  const { initdb, runs } = fakeInitdb();
  const [first, second] = await Promise.all([
    ensureTemplate(initdb, template),
    ensureTemplate(initdb, template),
  ]);
  assert.equal(first, template);
  assert.equal(second, template);
  assert.equal(await ensureTemplate(initdb, template), template);
  assert.ok(runs.length >= 1 && runs.length <= 2, `initdb ran ${runs.length} times`);
  assert.deepEqual((await readdir(join(scratch, 'made-once'))).sort(), ['pglite-test', 'pglite-test.tar']);
});

test('an initdb that fails leaves no template and no partial folder behind', async () => {
  const template = templateFor(join(scratch, 'failed', 'pglite-test'));
  const failing = async (folder: string, tarball?: string) => {
    await mkdir(folder);
    await writeFile(join(folder, 'half-written'), '');
    if (tarball !== undefined) await writeFile(tarball, 'half');
    throw new Error('initdb failed');
  };
  await assert.rejects(ensureTemplate(failing, template), /initdb failed/);
  assert.deepEqual(await readdir(join(scratch, 'failed')), []);
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

test("a partial template whose maker was killed is removed by the next maker; a running maker's is kept", async () => {
  const dir = join(scratch, 'abandoned');
  await mkdir(dir);
  const dead = await deadPid();
  const abandoned = [`pglite-test.${dead}-0badc0de`, `pglite-test.${dead}-0badc0de.tar`];
  const running = `pglite-test.${process.pid}-00c0ffee`;
  for (const name of [...abandoned, running]) await mkdir(join(dir, name));
  const { initdb } = fakeInitdb();
  await ensureTemplate(initdb, templateFor(join(dir, 'pglite-test')));
  assert.deepEqual((await readdir(dir)).sort(), ['pglite-test', running, 'pglite-test.tar'].sort());
});

test('where the template cannot be kept, there is none and initdb is not run', async () => {
  await writeFile(join(scratch, 'a-file'), '');
  const { initdb, runs } = fakeInitdb();
  assert.equal(await ensureTemplate(initdb, templateFor(join(scratch, 'a-file', 'pglite-test'))), undefined);
  assert.deepEqual(runs, []);
});

test('a folder whose creation was killed mid-copy is created again at the next start', async () => {
  const dataDir = join(scratch, 'killed-mid-copy');
  await mkdir(join(dataDir, CREATING), { recursive: true });
  await writeFile(join(dataDir, CREATING, 'PG_VERSION'), '18\n');
  const run = await runGather(['db', 'upgrade'], { env: { GATHER_DATA_DIR: dataDir } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /applied 0001_init/);
  assert.deepEqual((await readdir(dataDir)).sort(), ['gather.lock', 'pgdata']);
  assert.equal((await readFile(join(dataDir, 'pgdata', 'PG_VERSION'), 'utf8')).trim(), '18');
});

/** A migrate that makes the data folder's pgdata (as opening it would) and counts its runs. */
function fakeMigrate() {
  const runs: string[] = [];
  const migrate = async (dataDir: string) => {
    runs.push(dataDir);
    await mkdir(join(dataDir, 'pgdata'), { recursive: true });
    await writeFile(join(dataDir, 'pgdata', 'PG_VERSION'), '18\n');
    await writeFile(join(dataDir, 'gather.lock'), '');
  };
  return { migrate, runs };
}

test('the migrated template is named by its migrations: another, or an edited one, names another', async () => {
  const migrations = await loadMigrations();
  const template = templateFor(join(scratch, 'named', 'pglite-test'));
  const folder = migratedTemplateFor(migrations, template);
  assert.equal(migratedTemplateFor(migrations, template), folder);
  assert.ok(folder.startsWith(`${template.folder}-${migrations.at(-1)?.name}-`), folder);
  const edited = migrations.map((migration, index) =>
    index === 0 ? { ...migration, checksum: `${migration.checksum}0` } : migration,
  );
  assert.notEqual(migratedTemplateFor(edited, template), folder);
  assert.notEqual(migratedTemplateFor(migrations.slice(0, -1), template), folder);
});

test('the migrated template is made once, never half, and replaces those of other migrations', async () => {
  const migrations = await loadMigrations();
  const base = templateFor(join(scratch, 'migrated', 'pglite-test'));
  const { initdb } = fakeInitdb();
  const failing = async (dataDir: string) => {
    await mkdir(join(dataDir, 'pgdata'), { recursive: true });
    throw new Error('a migration failed');
  };
  const template = (await ensureTemplate(initdb, base))!;
  await assert.rejects(ensureMigratedTemplate(template, migrations, failing), /a migration failed/);
  assert.deepEqual((await readdir(join(scratch, 'migrated'))).sort(), ['pglite-test', 'pglite-test.tar']);

  const older = migratedTemplateFor(migrations.slice(0, -1), base);
  await mkdir(older);
  const { migrate, runs } = fakeMigrate();
  const [first, second] = await Promise.all([
    ensureMigratedTemplate(template, migrations, migrate),
    ensureMigratedTemplate(template, migrations, migrate),
  ]);
  const folder = migratedTemplateFor(migrations, base);
  assert.equal(first, folder);
  assert.equal(second, folder);
  assert.equal(await ensureMigratedTemplate(template, migrations, migrate), folder);
  assert.ok(runs.length >= 1 && runs.length <= 2, `migrate ran ${runs.length} times`);
  assert.deepEqual(await readdir(folder), ['PG_VERSION']);
  assert.deepEqual(
    (await readdir(join(scratch, 'migrated'))).sort(),
    ['pglite-test', folder.slice(folder.lastIndexOf('/') + 1), 'pglite-test.tar'].sort(),
  );
});

/** What a database's schema and migration history are, as rows that compare equal when they are the same. */
async function schemaOf(dataDir: string): Promise<unknown[][]> {
  const config = loadConfig({ NODE_ENV: 'test', GATHER_DATA_DIR: dataDir });
  const database = await openData({ config, migrations: 'untouched', holder: 'a test' });
  try {
    return await database.withSession((session) =>
      Promise.all(
        [
          `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
             where table_schema = 'public' order by 1, 2`,
          `select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`,
          `select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint
             where connamespace = 'public'::regnamespace order by 1, 2`,
          `select tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
             order by 1, 2`,
          `select proname, pg_get_functiondef(oid) from pg_proc where pronamespace = 'public'::regnamespace
             order by 1`,
          'select name, checksum from gather_migrations order by name',
        ].map((text) => session.query(text)),
      ),
    );
  } finally {
    await database.close();
  }
}

test('a new folder copied from the migrated template holds what migrating a new folder gives', async () => {
  const made = await runGather(['db', 'template']);
  assert.equal(made.code, 0, made.stderr);
  const migrations = await loadMigrations();
  assert.match(made.stdout, new RegExp(`template: ${migratedTemplateFor(migrations)} `));

  const migrated = join(scratch, 'migrated-by-upgrade');
  const upgrade = await runGather(['db', 'upgrade'], { env: { GATHER_DATA_DIR: migrated } });
  assert.equal(upgrade.code, 0, upgrade.stderr);
  assert.match(upgrade.stdout, /applied 0001_init/);

  const copied = join(scratch, 'copied-from-template');
  const config = loadConfig({ NODE_ENV: 'test', GATHER_DATA_DIR: copied });
  let copiedWith: readonly string[] = [];
  const opened = await openData({
    config,
    migrations: 'standard',
    holder: 'a test',
    onApply: (migration) => assert.fail(`applied ${migration.name}`),
    onTemplateCopied: (applied) => {
      copiedWith = applied.map((migration) => migration.name);
    },
  });
  await opened.close();
  assert.deepEqual(
    copiedWith,
    migrations.map((migration) => migration.name),
  );

  const [expected, actual] = [await schemaOf(migrated), await schemaOf(copied)];
  const [columns, indexes, , , , history] = expected;
  assert.ok(columns!.length > 0 && indexes!.length > 0);
  assert.equal(history!.length, migrations.length);
  assert.deepEqual(actual, expected);
});
