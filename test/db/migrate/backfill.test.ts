// Backfills (src/db/migrate/backfill.ts): 0005_search's fills the articles written before it, in batches, on
// the upgrade; one stopped by a failure keeps its committed batches and resumes at the one that failed; the
// review prints it; a backfill.sql that declares no batches is refused. On PGlite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_MIGRATION_POLICY, loadConfig } from '../../../src/config.ts';
import type { Database } from '../../../src/db/database.ts';
import {
  BACKFILL_TABLE,
  parseBackfill,
  policyOn,
  registerBackfill,
  runBackfill,
} from '../../../src/db/migrate/backfill.ts';
import { loadMigrations } from '../../../src/db/migrate/files.ts';
import { planSteps, planUpgrade, renderPlan } from '../../../src/db/migrate/plan.ts';
import { upgrade } from '../../../src/db/migrate/runner.ts';
import { freshDatabase } from '../../../tools/harness/test-app.ts';

let database: Database;
let drop: () => Promise<void>;
before(async () => {
  ({ database, drop } = await freshDatabase());
});
after(() => drop());

const query = <T extends Record<string, unknown>>(sql: string) =>
  database.withSession((session) => session.query<T>(sql));

test('0005_search fills search for the articles written before it, then every later write', async () => {
  const migrations = await loadMigrations();
  await upgrade(database, migrations, { target: '0004_credentials_version', log: () => {} });
  await database.withSession((session) =>
    session.exec(`INSERT INTO "users" ("username", "email", "password_hash") VALUES ('old', 'old@example.com', 'x');
      INSERT INTO "articles" ("slug", "title", "description", "body", "author_id")
        SELECT 'old-' || n, 'Old article ' || n, 'Written before search', 'Its body', 1
        FROM generate_series(1, 4500) AS n`),
  );
  const lines: string[] = [];
  await upgrade(database, migrations, { log: (line) => lines.push(line) });
  assert.match(lines.join('\n'), /backfill of 0005_search \(articles\.id\): keys 1 to 4500, 2000 a batch/);
  assert.match(lines.join('\n'), /backfill of 0005_search \(articles\.id\): done, 4500 keys/);
  const [filled] = await query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "article_search" WHERE "document" @@ gather_search_query('written before')`,
  );
  assert.equal(filled!.n, 4500);
  const [state] = await query<{ finished: boolean }>(
    `SELECT "finished_at" IS NOT NULL AS "finished" FROM "${BACKFILL_TABLE}" WHERE "name" = '0005_search'`,
  );
  assert.equal(state!.finished, true);
  // A later upgrade has nothing to resume.
  lines.length = 0;
  await upgrade(database, migrations, { log: (line) => lines.push(line) });
  assert.deepEqual(lines, []);
});

test('a backfill stopped at a batch keeps the batches before it, and resumes at that batch', async () => {
  await database.withSession(async (session) => {
    await session.exec(`CREATE TABLE "numbers" ("id" integer PRIMARY KEY, "twice" integer);
      INSERT INTO "numbers" ("id") SELECT n FROM generate_series(1, 20) AS n;
      ${registerBackfill('9999_numbers')}`);
    const file = '9999_numbers/backfill.sql';
    // The first run fails in the batch that starts at key 10, as a kill -9 would stop it there.
    const failing = parseBackfill(
      `-- gather:backfill numbers.id 3
      UPDATE "numbers" SET "twice" = CASE WHEN $1::int >= 10 THEN "id" / ($1::int - 10) ELSE "id" * 2 END
        WHERE "id" >= $1 AND "id" < $2`,
      file,
    );
    // No pauses, and every batch's progress logged.
    const policy = { ...DEFAULT_MIGRATION_POLICY, backfillPauseRatio: 0 };
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    await assert.rejects(runBackfill(session, '9999_numbers', failing, policy, log, 0), {
      message: /backfill of 9999_numbers failed at numbers\.id 10: division by zero; .* resumes here/,
    });
    const filled = async () =>
      (
        await session.query<{ id: number }>('SELECT "id" FROM "numbers" WHERE "twice" IS NOT NULL ORDER BY 1')
      ).map((row) => row.id);
    assert.deepEqual(await filled(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const working = parseBackfill(
      `-- gather:backfill numbers.id 3
      UPDATE "numbers" SET "twice" = "id" * 2 WHERE "id" >= $1 AND "id" < $2 AND "twice" IS NULL`,
      file,
    );
    lines.length = 0;
    await runBackfill(session, '9999_numbers', working, policy, log, 0);
    assert.match(lines[0]!, /keys 10 to 20, 3 a batch/);
    assert.deepEqual(
      await filled(),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const [wrong] = await session.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "numbers" WHERE "twice" <> "id" * 2',
    );
    assert.equal(wrong!.n, 0);
    await session.exec(`DROP TABLE "numbers"; DELETE FROM "${BACKFILL_TABLE}" WHERE "name" = '9999_numbers'`);
  });
});

test('the review prints the backfill after the migration it belongs to', async () => {
  const migrations = await loadMigrations();
  const steps = await planSteps(planUpgrade(migrations, []), { concurrently: true });
  const plan = renderPlan(steps, DEFAULT_MIGRATION_POLICY);
  const search = plan.slice(plan.indexOf('-- 0005_search (up)'));
  assert.match(search, /INSERT INTO "gather_backfills" \("name"\) VALUES \('0005_search'\);\nCOMMIT;/);
  assert.match(
    search,
    /-- then the backfill \(backfill\.sql\), after the migration commits: "articles" by "id"/,
  );
  assert.match(search, /--\s+WHERE "id" >= \$1 AND "id" < \$2/);
  assert.match(search, /then a pause of 1 × its time;/);
  // An embedded database is the migrating process's alone: no live traffic to pause for.
  const embedded = renderPlan(steps, policyOn('pglite', DEFAULT_MIGRATION_POLICY));
  assert.match(embedded, /no pause between batches;/);
  assert.deepEqual(policyOn('postgres', DEFAULT_MIGRATION_POLICY), DEFAULT_MIGRATION_POLICY);
});

test('MIGRATION_BACKFILL_PAUSE_PERCENT sets the pause after each batch: in the review and in the run', async () => {
  const policy = loadConfig({ MIGRATION_BACKFILL_PAUSE_PERCENT: '300' }, false).migrationPolicy;
  assert.equal(policy.backfillPauseRatio, 3);
  const steps = await planSteps(planUpgrade(await loadMigrations(), []), { concurrently: true });
  assert.match(renderPlan(steps, policy), /then a pause of 3 × its time;/);

  // Three batches of 40 ms each: with pauses three times as long, the run takes at least 4 × 120 ms.
  await database.withSession(async (session) => {
    await session.exec(`CREATE TABLE "slow" ("id" integer PRIMARY KEY);
      INSERT INTO "slow" SELECT n FROM generate_series(1, 3) AS n;
      ${registerBackfill('9998_slow')}`);
    const backfill = parseBackfill(
      `-- gather:backfill slow.id 1
      SELECT pg_sleep(0.04) FROM "slow" WHERE "id" >= $1 AND "id" < $2`,
      '9998_slow/backfill.sql',
    );
    const started = performance.now();
    await runBackfill(session, '9998_slow', backfill, policy, () => {});
    const elapsedMs = performance.now() - started;
    assert.ok(elapsedMs >= 4 * 120, `three batches and their pauses took ${elapsedMs.toFixed(0)} ms`);
    await session.exec(`DROP TABLE "slow"; DELETE FROM "${BACKFILL_TABLE}" WHERE "name" = '9998_slow'`);
  });
});

test('a backfill.sql without its batches, or without the keys of a batch, is refused', () => {
  assert.throws(
    () => parseBackfill('UPDATE "a" SET "b" = 1 WHERE "id" >= $1 AND "id" < $2', 'x/backfill.sql'),
    {
      message: /x\/backfill\.sql declares no batches/,
    },
  );
  assert.throws(() => parseBackfill('-- gather:backfill a.id 10\nUPDATE "a" SET "b" = 1', 'x/backfill.sql'), {
    message: /must read the batch's keys as \$1 \(from\) and \$2 \(before\)/,
  });
});
