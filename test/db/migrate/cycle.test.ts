// The `gather db` cycle in a scratch project and database, through the CLI as a user runs it:
// init → init-db → add a column with a default → migrate → sql → upgrade → downgrade (schema restored
// exactly) → upgrade; then a broken migration, an edited applied one and, on PostgreSQL, two upgraders.
import assert from 'node:assert/strict';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { MIGRATION_LOCK_KEY } from '../../../src/db/migrate/runner.ts';
import {
  appliedNames,
  dumpSchema,
  type ScratchProject,
  scratchProject,
  waitFor,
} from '../../helpers/scratch-project.ts';

let project: ScratchProject;
let migrationsDir: string;
before(async () => {
  project = await scratchProject();
  migrationsDir = join(project.dir, 'src/db/migrations');
});
after(() => project.close());

const ok = (result: { code: number; stdout: string; stderr: string }) => {
  assert.equal(result.code, 0, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
};
const dump = () => project.withDatabase(dumpSchema);
const applied = () => project.withDatabase(appliedNames);

let before0: Record<string, string[]>;
let afterUpgrade: Record<string, string[]>;
let added: string;

test('init writes the settings to package.json once', async () => {
  assert.match(ok(await project.db('init')), /wrote .*"schema":"src\/db\/schema\/index.ts"/);
  assert.match(ok(await project.db('init')), /unchanged/);
  const packageJson = JSON.parse(await readFile(join(project.dir, 'package.json'), 'utf8'));
  assert.deepEqual(packageJson.gather, { schema: 'src/db/schema/index.ts', migrations: 'src/db/migrations' });
});

test('init-db creates the schema on an empty database and refuses a second time', async () => {
  assert.match(ok(await project.db('init-db')), /applied 0001_init/);
  const again = await project.db('init-db');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /init-db is for an empty database/);
  ok(await project.db('upgrade')); // whatever the repository has after 0001
  before0 = await dump();
  assert.ok(before0.columns!.some((line) => line.startsWith('users | email |')));
});

test('migrate writes up and down for a column with a default; check sees it first', async () => {
  const users = join(project.dir, 'src/db/schema/users.ts');
  const source = await readFile(users, 'utf8');
  await writeFile(
    users,
    source.replace(
      "bio: text('bio'),",
      "bio: text('bio'),\n    nickname: text('nickname').notNull().default('anon'),",
    ),
  );
  const check = await project.db('check');
  assert.equal(check.code, 1);
  assert.match(check.stderr, /ADD COLUMN "nickname"/);

  assert.match(
    ok(await project.db('migrate', '--name', 'add nickname')),
    /ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL/,
  );
  added = (await readdir(migrationsDir)).sort().at(-1)!;
  assert.match(added, /^\d{4}_add_nickname$/);
  const up = await readFile(join(migrationsDir, added, 'up.sql'), 'utf8');
  const down = await readFile(join(migrationsDir, added, 'down.sql'), 'utf8');
  assert.equal(up, `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL;\n`);
  assert.equal(down, `ALTER TABLE "users" DROP COLUMN "nickname";\n`);
  // check lints every migration first (each up.sql, its acknowledgements), then compares the schema.
  const checked = ok(await project.db('check'));
  assert.match(checked, new RegExp(`^${added}/up.sql: 1 statement\\(s\\)$`, 'm'));
  assert.match(
    checked,
    /^0002_index_order\/up.sql: 4 statement\(s\); acknowledges create-index-blocking-writes: /m,
  );
  assert.match(checked, new RegExp(`schema matches ${added}\\n$`));
  assert.match(ok(await project.db('migrate', '--name', 'again')), /no changes/);
});

test('sql prints the transaction upgrade will run and changes nothing', async () => {
  const printed = ok(await project.db('sql'));
  // The database it was planned on is a SQL comment: `gather db sql > review.sql` is a runnable script.
  assert.match(printed, /^-- database: /);
  assert.match(
    printed,
    new RegExp(
      `-- ${added} \\(up\\)\\nBEGIN;\\n` +
        // The annotation the lint writes above the statement: a constant default is stored once, no rewrite.
        '-- lock: ACCESS EXCLUSIVE on "users", held until COMMIT: blocks reads, writes, schema changes; ' +
        'catalog only \\(instant once the lock is granted\\)\\n' +
        `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL;`,
    ),
  );
  assert.match(printed, new RegExp(`INSERT INTO "gather_migrations" .*'${added}'.*\\nCOMMIT;`));
  assert.equal(ok(await project.db('upgrade', '--dry-run')), printed);
  assert.deepEqual(await dump(), before0);
});

test('sql --format json gives tools the same plan: each statement with its lock and findings', async () => {
  type Statement = { sql: string; table: string | null; lock: string | null; findings: unknown[] };
  type Plan = { steps: { migration: string; direction: string; phases: { statements: Statement[] }[] }[] };
  const plan = JSON.parse(ok(await project.db('sql', '--format', 'json'))) as Plan;
  const step = plan.steps.find(({ migration }) => migration === added);
  assert.equal(step?.direction, 'up');
  const [statement] = step!.phases.flatMap(({ statements }) => statements);
  assert.equal(statement?.sql, `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL`);
  assert.equal(statement?.table, 'users');
  assert.equal(statement?.lock, 'ACCESS EXCLUSIVE');
  assert.deepEqual(statement?.findings, []);
  assert.deepEqual(await dump(), before0);
});

test('upgrade applies it; downgrade restores the schema exactly; upgrade again', async () => {
  assert.match(ok(await project.db('upgrade')), new RegExp(`applied ${added}`));
  afterUpgrade = await dump();
  assert.ok(
    afterUpgrade.columns!.some((line) =>
      /^users \| nickname \| \d+ \| text \| 'anon'::text \| NO/.test(line),
    ),
  );

  assert.match(ok(await project.db('downgrade', '--dry-run')), /ALTER TABLE "users" DROP COLUMN "nickname";/);
  assert.match(ok(await project.db('downgrade')), new RegExp(`undid ${added}`));
  assert.deepEqual(await dump(), before0);
  assert.ok(!(await applied()).includes(added));

  ok(await project.db('upgrade'));
  assert.deepEqual(await dump(), afterUpgrade);
  const history = ok(await project.db('history'));
  assert.match(history, /applied {2}0001_init {2}\d{4}-\d\d-\d\dT/);
  assert.match(history, new RegExp(`applied {2}${added} {2}\\d{4}-`));
  assert.match(ok(await project.db('heads')), /pending: +none/);
});

test('a failing migration is rolled back whole: schema and history unchanged', async (t) => {
  const broken = join(migrationsDir, '9998_broken');
  await mkdir(broken);
  await writeFile(
    join(broken, 'up.sql'),
    'ALTER TABLE "users" ADD COLUMN "half_done" text;\nSELECT 1 / 0;\n',
  );
  await writeFile(join(broken, 'down.sql'), 'ALTER TABLE "users" DROP COLUMN "half_done";\n');
  // Removed whatever happens, so that a failure here does not fail the tests after it.
  t.after(() => rm(broken, { recursive: true, force: true }));
  const historyBefore = await applied();
  const result = await project.db('upgrade');
  assert.equal(result.code, 1);
  assert.match(result.stderr, /9998_broken \(up\) failed and was rolled back: division by zero/);
  assert.deepEqual(await dump(), afterUpgrade);
  assert.deepEqual(await applied(), historyBefore);
});

test('an applied migration that was edited is refused', async () => {
  const up = join(migrationsDir, added, 'up.sql');
  const original = await readFile(up, 'utf8');
  await appendFile(up, '-- an afterthought\n');
  try {
    for (const command of ['upgrade', 'downgrade', 'sql']) {
      const result = await project.db(command);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(`${added} was edited after it was applied \\(checksum drift\\)`),
      );
    }
  } finally {
    await writeFile(up, original);
  }
  assert.match(ok(await project.db('upgrade')), /nothing to apply/);
});

test('two upgrade processes at once apply a migration exactly once', {
  skip: process.env.DATABASE_URL
    ? false
    : 'PostgreSQL only: a PGlite folder belongs to one process, so two upgraders cannot share it',
}, async (t) => {
  const once = join(migrationsDir, '9999_once');
  await mkdir(once);
  t.after(() => rm(once, { recursive: true, force: true }));
  // The index is built CONCURRENTLY, which waits for every older snapshot: an upgrader waiting for the lock
  // must hold none (one queued in pg_advisory_lock did, and PostgreSQL failed one of the two as a deadlock).
  await writeFile(
    join(once, 'up.sql'),
    'CREATE TABLE "once" ("id" integer);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "once_id_idx" ON "once" ("id");\n',
  );
  await writeFile(join(once, 'down.sql'), 'DROP TABLE "once";\n');
  // The test holds the migration lock until both upgraders have tried it, so they really do race for it;
  // without the lock they would both create "once" and one would fail.
  const upgraders = await project.withDatabase((database) =>
    database.withSession(async (session) => {
      await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const running = [project.db('upgrade'), project.db('upgrade')];
      try {
        await waitFor(async () => {
          const [row] = await session.query<{ waiting: number }>(
            `SELECT count(*)::int AS "waiting" FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND query LIKE '%pg_try_advisory_lock%'`,
          );
          return row!.waiting === 2;
        }, 30_000);
      } finally {
        await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
      return running;
    }),
  );
  const results = await Promise.all(upgraders);
  for (const result of results) ok(result);
  const appliedBy = results.filter((result) => result.stdout.includes('applied 9999_once'));
  assert.equal(appliedBy.length, 1);
  assert.equal((await applied()).filter((name) => name === '9999_once').length, 1);
  assert.match(ok(await project.db('downgrade')), /undid 9999_once/);
});

test('downgrade base empties the database but for its bookkeeping, and init-db accepts it again', async () => {
  assert.match(ok(await project.db('downgrade', 'base')), /undid 0001_init/);
  const empty = await dump();
  assert.deepEqual(
    empty.columns!.map((line) => line.split(' | ')[0]),
    [...Array(4).fill('gather_backfills'), ...Array(3).fill('gather_migrations')],
  );
  assert.deepEqual([empty.triggers, empty.functions], [[], []]);
  assert.deepEqual(await applied(), []);
  assert.match(ok(await project.db('init-db')), /applied 0001_init/);
  assert.deepEqual(await applied(), ['0001_init']);
});
