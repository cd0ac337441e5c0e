// The safe forms are possible, not only flagged: CREATE/DROP INDEX CONCURRENTLY (outside the transaction on
// PostgreSQL, as the plain form inside it on PGlite), NOT VALID then VALIDATE in the next migration; on
// PostgreSQL, a failed concurrent build leaves an INVALID index that the next upgrade drops before building
// again, and a statement waiting for a lock gives up after lock_timeout and is retried, so that requests queue
// behind it for no longer than that.
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { DEFAULT_MIGRATION_POLICY } from '../../../src/config.ts';
import type { Database } from '../../../src/db/database.ts';
import { loadMigrations } from '../../../src/db/migrate/files.ts';
import { RULES } from '../../../src/db/migrate/lint-rules.ts';
import { planSteps, planUpgrade } from '../../../src/db/migrate/plan.ts';
import { downgrade, history, upgrade } from '../../../src/db/migrate/runner.ts';
import { type ScratchProject, scratchProject } from '../../helpers/scratch-project.ts';

const POSTGRES_ONLY = process.env.DATABASE_URL
  ? false
  : 'PostgreSQL only: PGlite is one connection, with no other session to build concurrently with or to wait for';

let project: ScratchProject;
let migrationsDir: string;
before(async () => {
  project = await scratchProject();
  migrationsDir = join(project.dir, 'src/db/migrations');
  await project.withDatabase(async (database) => upgrade(database, await loadMigrations(migrationsDir)));
});
after(() => project.close());

async function addMigration(name: string, up: string, down: string): Promise<void> {
  const dir = join(migrationsDir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'up.sql'), up);
  await writeFile(join(dir, 'down.sql'), down);
}

const migrations = () => loadMigrations(migrationsDir);

async function indexValid(database: Database, name: string): Promise<boolean | undefined> {
  return database.withSession(async (session) => {
    const [row] = await session.query<{ valid: boolean }>(
      'SELECT indisvalid AS "valid" FROM pg_index WHERE indexrelid = to_regclass($1)',
      [name],
    );
    return row?.valid;
  });
}

test('CONCURRENTLY and NOT VALID → VALIDATE apply, and undo', async () => {
  await addMigration(
    '0100_title_index',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_title_idx" ON "articles" ("title");\n' +
      'ALTER TABLE "articles" ADD CONSTRAINT "articles_title_length" CHECK (length("title") < 1000) NOT VALID;\n',
    'ALTER TABLE "articles" DROP CONSTRAINT "articles_title_length";\n' +
      'DROP INDEX CONCURRENTLY IF EXISTS "articles_title_idx";\n',
  );
  await addMigration(
    '0101_validate_title_length',
    'ALTER TABLE "articles" VALIDATE CONSTRAINT "articles_title_length";\n',
    'SELECT 1;\n',
  );
  await project.withDatabase(async (database) => {
    const all = await migrations();
    const [planned] = await planSteps(planUpgrade(all, await history(database), '0100_title_index'), {
      concurrently: database.kind === 'postgres',
    });
    // PostgreSQL: the index alone outside a transaction, then the rest with the history record.
    // PGlite: one transaction, the index in its plain form.
    const shape = planned!.phases.map((phase) => [phase.transaction, phase.statements.map((s) => s.sql)]);
    assert.deepEqual(
      shape,
      database.kind === 'postgres'
        ? [
            [false, ['CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_title_idx" ON "articles" ("title")']],
            [
              true,
              [
                'ALTER TABLE "articles" ADD CONSTRAINT "articles_title_length" CHECK (length("title") < 1000) NOT VALID',
              ],
            ],
          ]
        : [
            [
              true,
              [
                'CREATE INDEX IF NOT EXISTS "articles_title_idx" ON "articles" ("title")',
                'ALTER TABLE "articles" ADD CONSTRAINT "articles_title_length" CHECK (length("title") < 1000) NOT VALID',
              ],
            ],
          ],
    );

    const applied = await upgrade(database, all);
    assert.deepEqual(
      applied.map((m) => m.name),
      ['0100_title_index', '0101_validate_title_length'],
    );
    assert.equal(await indexValid(database, 'articles_title_idx'), true);
    await downgrade(database, all, { count: 2 });
    assert.equal(await indexValid(database, 'articles_title_idx'), undefined);
  });
  await rm(join(migrationsDir, '0101_validate_title_length'), { recursive: true });
  await rm(join(migrationsDir, '0100_title_index'), { recursive: true });
});

test('upgrade refuses an unsafe statement nothing acknowledges, naming it, its rule and the rewrite; --allow-unsafe applies it', async (t) => {
  t.after(() => rm(join(migrationsDir, '0105_plain_index'), { recursive: true, force: true }));
  await addMigration(
    '0105_plain_index',
    'CREATE INDEX "articles_title_idx" ON "articles" ("title");\n',
    'DROP INDEX "articles_title_idx";\n',
  );
  await project.withDatabase(async (database) => {
    await assert.rejects(upgrade(database, await migrations()), (error: Error) => {
      assert.equal(
        error.message,
        'refused: 1 unsafe statement(s) on a live table, nothing applied (`gather db sql` shows each annotated):\n' +
          '  0105_plain_index/up.sql line 1: CREATE INDEX "articles_title_idx" ON "articles" ("title")\n' +
          `    create-index-blocking-writes: ${RULES['create-index-blocking-writes'].problem}\n` +
          `    safe: ${RULES['create-index-blocking-writes'].safe}\n` +
          'Rewrite it as safe says; or acknowledge it in up.sql with `-- gather:allow <rule> <why>` (shown in ' +
          'review); or apply it anyway with `gather db upgrade --allow-unsafe`',
      );
      return true;
    });
    assert.ok(!(await history(database)).some((row) => row.name === '0105_plain_index'));
    const applied = await upgrade(database, await migrations(), { allowUnsafe: true });
    assert.deepEqual(
      applied.map((m) => m.name),
      ['0105_plain_index'],
    );
    await downgrade(database, await migrations(), { count: 1 });
  });
});

test('a failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index; the next upgrade drops it and builds again', {
  skip: POSTGRES_ONLY,
}, async (t) => {
  t.after(() => rm(join(migrationsDir, '0102_unique_bio'), { recursive: true, force: true }));
  await addMigration(
    '0102_unique_bio',
    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_bio_key" ON "users" ("bio");\n',
    'DROP INDEX CONCURRENTLY IF EXISTS "users_bio_key";\n',
  );
  await project.withDatabase(async (database) => {
    await database.withSession((session) =>
      session.exec(`INSERT INTO "users" ("username", "email", "password_hash", "bio") VALUES
        ('ann', 'ann@example.com', 'x', 'same'), ('bob', 'bob@example.com', 'x', 'same')`),
    );
    await assert.rejects(
      upgrade(database, await migrations()),
      /migration 0102_unique_bio \(up\) failed at 0102_unique_bio\/up.sql line 1: could not create unique index "users_bio_key"; it ran outside a transaction \(CONCURRENTLY\): an index it was building is left INVALID/,
    );
    assert.equal(await indexValid(database, 'users_bio_key'), false);
    assert.ok(!(await history(database)).some((row) => row.name === '0102_unique_bio'));

    await database.withSession((session) =>
      session.exec(`UPDATE "users" SET "bio" = 'other' WHERE "username" = 'bob'`),
    );
    const log: string[] = [];
    const applied = await upgrade(database, await migrations(), { log: (line) => log.push(line) });
    assert.deepEqual(
      applied.map((m) => m.name),
      ['0102_unique_bio'],
    );
    assert.deepEqual(log, [
      'dropping the INVALID index "users_bio_key" a failed build left, before building it again',
    ]);
    assert.equal(await indexValid(database, 'users_bio_key'), true);
    await downgrade(database, await migrations(), { count: 1 });
    await database.withSession((session) => session.exec(`DELETE FROM "users"`));
  });
});

/** A second session that holds ACCESS SHARE on users (an open read transaction) until released. */
async function holdReadLock(url: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT count(*) FROM "users"');
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

test('a statement waiting for its lock gives up after lock_timeout and is retried: reads are never stuck behind it', {
  skip: POSTGRES_ONLY,
}, async (t) => {
  t.after(() => rm(join(migrationsDir, '0103_nickname'), { recursive: true, force: true }));
  await addMigration(
    '0103_nickname',
    `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL;\n`,
    'ALTER TABLE "users" DROP COLUMN "nickname";\n',
  );
  const url = project.databaseUrl!;
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  t.after(() => reader.end());
  const holder = await holdReadLock(url);
  const log: string[] = [];
  const locks = { ...DEFAULT_MIGRATION_POLICY, timeoutMs: 200, attempts: 5 };
  await project.withDatabase(async (database) => {
    const applying = upgrade(database, await migrations(), { locks, log: (line) => log.push(line) });
    // While the migration waits for ACCESS EXCLUSIVE, new readers queue behind its request: for at most
    // lock_timeout, then it steps aside and they go on.
    let slowestReadMs = 0;
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      const started = performance.now();
      await reader.query('SELECT count(*) FROM "users"');
      slowestReadMs = Math.max(slowestReadMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await holder.release();
    const applied = await applying;
    assert.deepEqual(
      applied.map((m) => m.name),
      ['0103_nickname'],
    );
    assert.ok(slowestReadMs < 200 + 600, `a read waited ${slowestReadMs} ms`);
    assert.ok(log.length >= 1, 'no retry was logged');
    assert.match(
      log[0]!,
      /^0103_nickname\/up.sql line 1: lock not granted within 200 ms \(attempt 1 of 5\); rolled back, retrying in 1 s$/,
    );
    await downgrade(database, await migrations(), { count: 1 }, undefined, { locks });
  });
});

test('a lock that is never granted: the migration fails after its attempts, in one line, nothing applied', {
  skip: POSTGRES_ONLY,
}, async (t) => {
  t.after(() => rm(join(migrationsDir, '0104_nickname'), { recursive: true, force: true }));
  await addMigration(
    '0104_nickname',
    `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL;\n`,
    'ALTER TABLE "users" DROP COLUMN "nickname";\n',
  );
  const holder = await holdReadLock(project.databaseUrl!);
  t.after(() => holder.release());
  await project.withDatabase(async (database) => {
    const log: string[] = [];
    await assert.rejects(
      upgrade(database, await migrations(), {
        locks: { ...DEFAULT_MIGRATION_POLICY, timeoutMs: 200, attempts: 2 },
        log: (line) => log.push(line),
      }),
      (error: Error) => {
        assert.equal(
          error.message,
          'migration 0104_nickname (up) at 0104_nickname/up.sql line 1 did not get its lock within 200 ms in 2 ' +
            'attempts (a long transaction holds the table; see pg_stat_activity); it was rolled back',
        );
        return true;
      },
    );
    assert.equal(log.length, 1);
    assert.ok(!(await history(database)).some((row) => row.name === '0104_nickname'));
  });
});
