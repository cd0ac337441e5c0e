// A folder made by PGlite 0.3 (PostgreSQL 17), as the Gather before this one made them (its migrations, its
// seeded rows), is moved to the current engine by the first command that opens it: the same rows, the old files
// kept, one line saying so. A kill -9 at any point leaves a folder that the next start either finishes moving or
// moves again from the old files, never a half-moved one; a folder that cannot be moved is left as it was.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { PGlite as OldPGlite } from 'pglite-0.3';
import type { SqlSession } from '../../src/db/database.ts';
import { OLD_FILES } from '../../src/db/folder-upgrade.ts';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import { upgrade } from '../../src/db/migrate/runner.ts';
import { sqlSessionOf } from '../../src/db/pglite-thread.ts';
import { groupDigits } from '../../src/digits.ts';
import { SIZES } from '../../src/seed/dataset.ts';
import { silentProgress } from '../../src/seed/progress.ts';
import { seedDatabase } from '../../src/seed/seed.ts';
import { type GatherRun, runGather } from '../../tools/harness/server-process.ts';

let scratch: string;
/** A folder as the previous Gather left it: PGlite 0.3, every migration, the demo set seeded. */
let oldFolder: string;
/** Its tables' row counts, read with the old engine. */
let oldCounts: Record<string, number>;

/** Every table's row count, by name. */
async function countsIn(db: Pick<PGlite, 'query'>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const tables = await db.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`,
  );
  for (const { name: table } of tables.rows) {
    counts[table] =
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]?.n ?? -1;
  }
  return counts;
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gather-folder-upgrade-'));
  oldFolder = join(scratch, 'old');
  await mkdir(oldFolder);
  const old = await OldPGlite.create(join(oldFolder, 'pgdata'));
  const session = sqlSessionOf(old);
  const database = {
    kind: 'pglite' as const,
    withSession: <T>(fn: (s: SqlSession) => Promise<T>) => fn(session),
  };
  await upgrade(database, await loadMigrations(), { log: () => {} });
  await seedDatabase(database, undefined, { size: SIZES.demo, replace: false, progress: silentProgress });
  await old.query(`SELECT setval(pg_get_serial_sequence('articles', 'id'), 1000)`);
  oldCounts = await countsIn(old);
  assert.equal(Object.keys(oldCounts).length, 12, JSON.stringify(oldCounts));
  assert.equal(oldCounts.articles, SIZES.demo.articles);
  await old.close();
});
after(() => rm(scratch, { recursive: true, force: true }));

/** A copy of the old folder to move. */
async function copyOfOld(name: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(oldFolder, dir, { recursive: true });
  return dir;
}

const majorOf = async (pgdata: string) => (await readFile(join(pgdata, 'PG_VERSION'), 'utf8')).trim();
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
/** The folder's entries but the JWT secret (written by whichever command first needs it). */
const gatherAndDatabaseFiles = async (dir: string) =>
  (await readdir(dir)).filter((name) => name !== 'jwt-secret').sort();
const history = (dir: string) => runGather(['db', 'history'], { env: { GATHER_DATA_DIR: dir } });

/** The folder holds the new engine's files with every row of the old, and the old files beside them. */
async function assertMoved(dir: string): Promise<void> {
  assert.deepEqual(await gatherAndDatabaseFiles(dir), ['gather.lock', 'pgdata', OLD_FILES].sort());
  assert.equal(await majorOf(join(dir, 'pgdata')), '18');
  assert.equal(await majorOf(join(dir, OLD_FILES)), '17');
  const db = await PGlite.create(join(dir, 'pgdata'));
  try {
    assert.deepEqual(await countsIn(db), oldCounts);
    // The sequences go on where the old ones stopped: the next article does not take an id already used.
    const [next] = (
      await db.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('articles', 'id'))::int AS id`)
    ).rows;
    assert.equal(next?.id, 1001);
  } finally {
    await db.close();
  }
}

function assertHistoryListed(run: GatherRun): void {
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /applied {2}0004_credentials_version/);
}

test('the first command to open an old folder moves it, says so in one line, and keeps the old files', async () => {
  const dir = await copyOfOld('moved');
  const run = await history(dir);
  assertHistoryListed(run);
  const rows = Object.values(oldCounts).reduce((a, b) => a + b, 0);
  assert.match(
    run.stderr,
    new RegExp(
      `^gather: moved the embedded database in ${dir} from PostgreSQL 17 \\(PGlite 0\\.3\\) to 18 \\(PGlite 0\\.5\\): ` +
        `${Object.keys(oldCounts).length} tables, ${groupDigits(rows)} rows, counts and checksums equal, in [\\d.]+ s; the old files ` +
        `are in ${join(dir, OLD_FILES)} until you remove them\\n$`,
    ),
  );
  await assertMoved(dir);
  // Once moved, it is the current engine's folder: nothing more to say.
  const again = await history(dir);
  assertHistoryListed(again);
  assert.equal(again.stderr, '');
});

test('kill -9 between the check and the swap: the next start finishes the swap', async () => {
  const moved = await copyOfOld('interrupted-moved');
  assertHistoryListed(await history(moved));
  // Each state the renames pass through: the checked folder beside the untouched old one (before the first
  // rename), and the checked folder alone with the old files set aside (between the two).
  const beforeSwap = join(scratch, 'before-swap');
  await cp(moved, beforeSwap, { recursive: true });
  await rename(join(beforeSwap, 'pgdata'), join(beforeSwap, 'pgdata.upgraded'));
  await rename(join(beforeSwap, OLD_FILES), join(beforeSwap, 'pgdata'));
  const betweenRenames = join(scratch, 'between-renames');
  await cp(moved, betweenRenames, { recursive: true });
  await rename(join(betweenRenames, 'pgdata'), join(betweenRenames, 'pgdata.upgraded'));
  for (const dir of [beforeSwap, betweenRenames]) {
    const run = await history(dir);
    assertHistoryListed(run);
    assert.match(
      run.stderr,
      /^gather: finished moving the embedded database in .+, interrupted after its check;/,
    );
    await assertMoved(dir);
  }
});

test('kill -9 while the new folder is built: the next start builds it again from the old files', async () => {
  const dir = await copyOfOld('killed');
  const run = runGather(['db', 'history'], { env: { GATHER_DATA_DIR: dir } });
  // Killed as soon as the new engine's folder exists: PGlite is creating it.
  const lock = await waitFor(
    async () => JSON.parse(await readFile(join(dir, 'gather.lock'), 'utf8')) as { pid: number },
  );
  await waitFor(() => readdir(join(dir, 'pgdata.upgrading')));
  process.kill(lock.pid, 'SIGKILL');
  await run;
  assert.ok(await exists(join(dir, 'pgdata.upgrading')), 'the kill came before the build ended');
  assert.equal(await majorOf(join(dir, 'pgdata')), '17');
  const restarted = await history(dir);
  assertHistoryListed(restarted);
  assert.match(restarted.stderr, /^gather: moved the embedded database/);
  await assertMoved(dir);
});

test('a folder that cannot be moved is left as it was, in one line', async () => {
  const dir = await copyOfOld('foreign-table');
  const old = await OldPGlite.create(join(dir, 'pgdata'));
  await old.exec(
    'CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, $$mine$$)',
  );
  await old.close();
  const run = await history(dir);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(
      `^gather: the embedded database in ${dir} \\(PostgreSQL 17, PGlite 0\\.3\\) could not be moved to PostgreSQL 18 ` +
        '\\(.+\\); it is left as it was, and this Gather cannot open it: run the Gather that made it, or move the ' +
        'folder aside and start on an empty GATHER_DATA_DIR\\n$',
    ),
  );
  assert.deepEqual(await gatherAndDatabaseFiles(dir), ['gather.lock', 'pgdata']);
  assert.equal(await majorOf(join(dir, 'pgdata')), '17');
});

/** Polls `read` until it resolves (every 10 ms, for at most 60 s). */
async function waitFor<T>(read: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await read();
    } catch (error) {
      if (tries > 6000) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
