// What `gather serve` does with pending migrations, as a user meets it: on the embedded PGlite database it
// applies them and says so (a new folder is a copy of the template with them applied, and says that); on
// PostgreSQL it refuses to start and names the command to run, unless told to migrate (--migrate or
// GATHER_AUTO_MIGRATE=1).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import { runGather, type ServerProcess, startGather } from '../../tools/harness/server-process.ts';
import { freshDatabase, TEST_BUDGET_ENV, TEST_JWT_SECRET } from '../../tools/harness/test-app.ts';

/** Starts `gather serve` without waiting for it to listen (it may refuse to); stopped when the test ends. */
async function startServe(t: TestContext, env: Record<string, string>): Promise<ServerProcess> {
  const serve = await startGather({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'warn', JWT_SECRET: TEST_JWT_SECRET, ...TEST_BUDGET_ENV, ...env },
    waitForListening: false,
  });
  t.after(() => serve.stop());
  return serve;
}

/** A new, empty PGlite data folder, removed when the test ends. */
async function emptyDataDir(t: TestContext): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gather-serve-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

/** Waits for the "listening" line, then stops the server with SIGTERM; returns everything it printed. */
async function listenThenStop(serve: ServerProcess): Promise<string> {
  try {
    await serve.waitFor(/gather: listening on/);
  } finally {
    serve.kill('SIGTERM');
  }
  assert.equal((await serve.exited()).code, 0, serve.output());
  return serve.output();
}

/** The line a new folder's start prints when it is a copy of the migrated template, which npm install made. */
async function copiedFromTemplate(): Promise<RegExp> {
  const made = await runGather(['db', 'template']);
  assert.equal(made.code, 0, made.stderr);
  const names = (await loadMigrations()).map((migration) => migration.name);
  return new RegExp(
    `gather: new database, a copy of the template with ${names[0]} … ${names.at(-1)} applied\n`,
  );
}

test('on PGlite, a new folder is a copy of the migrated template, then only starts', {
  skip: process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false,
}, async (t) => {
  const copied = await copiedFromTemplate();
  const dataDir = await emptyDataDir(t);
  const first = await listenThenStop(await startServe(t, { GATHER_DATA_DIR: dataDir }));
  assert.match(first, new RegExp(`${copied.source}.*gather: listening on`, 's'));
  assert.doesNotMatch(first, /applied migration/);
  const second = await listenThenStop(await startServe(t, { GATHER_DATA_DIR: dataDir }));
  assert.doesNotMatch(second, /applied migration|new database/);
});

test('on PGlite, serve applies pending migrations and logs them, then only starts', {
  skip: process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false,
}, async (t) => {
  // A folder whose database is older than the migrations: made by `gather db` (which leaves the schema to
  // its commands), migrated to the first one only.
  const dataDir = await emptyDataDir(t);
  const names = (await loadMigrations()).map((migration) => migration.name);
  const older = await runGather(['db', 'upgrade', names[0]!], { env: { GATHER_DATA_DIR: dataDir } });
  assert.equal(older.code, 0, older.stderr);
  const first = await listenThenStop(await startServe(t, { GATHER_DATA_DIR: dataDir }));
  assert.match(first, new RegExp(`gather: applied migration ${names[1]}\n.*gather: listening on`, 's'));
  const second = await listenThenStop(await startServe(t, { GATHER_DATA_DIR: dataDir }));
  assert.doesNotMatch(second, /applied migration/);
});

test('on PGlite, a data folder used with PostgreSQL first (only its JWT secret) becomes the database', {
  skip: process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false,
}, async (t) => {
  const copied = await copiedFromTemplate();
  const dataDir = await emptyDataDir(t);
  await writeFile(join(dataDir, 'jwt-secret'), 'kept from a PostgreSQL run\n');
  const started = await listenThenStop(await startServe(t, { GATHER_DATA_DIR: dataDir }));
  assert.match(started, copied);
  assert.equal(await readFile(join(dataDir, 'jwt-secret'), 'utf8'), 'kept from a PostgreSQL run\n');
});

test('on PGlite, a data folder holding other files is refused in one line', {
  skip: process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false,
}, async (t) => {
  const dataDir = await emptyDataDir(t);
  await writeFile(join(dataDir, 'notes.txt'), 'not a database');
  const refused = await startServe(t, { GATHER_DATA_DIR: dataDir });
  assert.equal((await refused.exited()).code, 1);
  assert.equal(
    refused.output(),
    `gather: invalid configuration: GATHER_DATA_DIR ${dataDir} holds files but no PGlite database (notes.txt): use a new or empty folder\n`,
  );
});

test('on PostgreSQL, serve refuses while migrations are pending unless told to migrate', {
  skip: process.env.DATABASE_URL ? false : 'runs in the PostgreSQL pass (DATABASE_URL=… npm test)',
}, async (t) => {
  const { url, drop } = await freshDatabase();
  t.after(drop);
  const names = (await loadMigrations()).map((migration) => migration.name);
  const refused = await startServe(t, { DATABASE_URL: url! });
  assert.equal((await refused.exited()).code, 1);
  assert.ok(
    refused
      .output()
      .startsWith(
        `gather: ${names.length} migration(s) pending (${names.join(', ')}); ` +
          'review them with `gather db sql`, apply with `gather db upgrade`',
      ),
    refused.output(),
  );
  const migrated = await listenThenStop(
    await startServe(t, { DATABASE_URL: url!, GATHER_AUTO_MIGRATE: '1' }),
  );
  assert.match(migrated, /gather: applied migration 0001_init\n.*gather: listening on/s);
  await listenThenStop(await startServe(t, { DATABASE_URL: url! }));
});
