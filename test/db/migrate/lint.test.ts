// The migration lint (src/db/migrate/lint.ts), rule by rule: a migration that trips the rule, and its safe
// rewrite that does not; what each statement is annotated with (lock, what it blocks, what it does to the
// table); acknowledgements; and Gather's own migrations pass. Pure parsing: the same on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { checksumOf, loadMigrations } from '../../../src/db/migrate/files.ts';
import { lintSql, refusals } from '../../../src/db/migrate/lint.ts';
import { RULES, type RuleName } from '../../../src/db/migrate/lint-rules.ts';
import { loadSqlParser } from '../../../src/db/migrate/statements.ts';

before(loadSqlParser);

const rulesOf = (sql: string) =>
  lintSql(sql, 'test/up.sql').annotations.flatMap((a) => a.findings.map((finding) => finding.rule));

/** Each rule: SQL that trips it on an existing table, and the safe rewrite the rule's `safe` describes. */
const CASES: { rule: RuleName; trips: string; safe: string }[] = [
  {
    rule: 'create-index-blocking-writes',
    trips: 'CREATE INDEX "articles_title_idx" ON "articles" ("title");',
    safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_title_idx" ON "articles" ("title");',
  },
  {
    rule: 'concurrent-index-not-restartable',
    trips: 'CREATE INDEX CONCURRENTLY "articles_title_idx" ON "articles" ("title");',
    safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_title_idx" ON "articles" ("title");',
  },
  {
    rule: 'concurrent-index-not-restartable',
    trips: 'DROP INDEX CONCURRENTLY "articles_title_idx";',
    safe: 'DROP INDEX CONCURRENTLY IF EXISTS "articles_title_idx";',
  },
  {
    rule: 'add-column-not-null-without-default',
    trips: 'ALTER TABLE "users" ADD COLUMN "nickname" text NOT NULL;',
    safe: `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL;`,
  },
  {
    rule: 'add-column-volatile-default',
    trips: 'ALTER TABLE "users" ADD COLUMN "token" uuid DEFAULT gen_random_uuid();',
    safe:
      'ALTER TABLE "users" ADD COLUMN "token" uuid;\n' +
      'ALTER TABLE "users" ALTER COLUMN "token" SET DEFAULT gen_random_uuid();',
  },
  {
    rule: 'add-column-volatile-default',
    trips: 'ALTER TABLE "users" ADD COLUMN "number" serial;',
    safe: 'ALTER TABLE "users" ADD COLUMN "number" integer;',
  },
  {
    rule: 'update-every-row-in-one-statement',
    trips: 'UPDATE "articles" SET "title" = lower("title");',
    safe: 'UPDATE "articles" SET "title" = lower("title") WHERE "id" >= $1 AND "id" < $2;',
  },
  {
    rule: 'update-every-row-in-one-statement',
    trips: 'DELETE FROM "comments";',
    safe: 'DELETE FROM "comments" WHERE "id" >= $1 AND "id" < $2;',
  },
  {
    rule: 'set-not-null-scans',
    trips: 'ALTER TABLE "users" ALTER COLUMN "bio" SET NOT NULL;',
    safe: 'ALTER TABLE "users" ADD CONSTRAINT "users_bio_not_null" CHECK ("bio" IS NOT NULL) NOT VALID;',
  },
  {
    rule: 'add-foreign-key-validates',
    trips:
      'ALTER TABLE "comments" ADD CONSTRAINT "comments_author_fk" FOREIGN KEY ("author_id") REFERENCES "users"("id");',
    safe: 'ALTER TABLE "comments" ADD CONSTRAINT "comments_author_fk" FOREIGN KEY ("author_id") REFERENCES "users"("id") NOT VALID;',
  },
  {
    rule: 'add-check-validates',
    trips: 'ALTER TABLE "articles" ADD CONSTRAINT "title_length" CHECK (length("title") < 300);',
    safe: 'ALTER TABLE "articles" ADD CONSTRAINT "title_length" CHECK (length("title") < 300) NOT VALID;',
  },
  {
    rule: 'validate-in-same-transaction',
    trips:
      'ALTER TABLE "articles" ADD CONSTRAINT "title_length" CHECK (length("title") < 300) NOT VALID;\n' +
      'ALTER TABLE "articles" VALIDATE CONSTRAINT "title_length";',
    // The next migration: the ADD has committed, VALIDATE takes SHARE UPDATE EXCLUSIVE only.
    safe: 'ALTER TABLE "articles" VALIDATE CONSTRAINT "title_length";',
  },
  {
    rule: 'alter-column-type-rewrites',
    trips: 'ALTER TABLE "articles" ALTER COLUMN "favorites_count" TYPE bigint;',
    safe: 'ALTER TABLE "articles" ADD COLUMN "favorites_count_big" bigint;',
  },
  {
    rule: 'add-unique-constraint-builds-index',
    trips: 'ALTER TABLE "users" ADD CONSTRAINT "users_username_unique" UNIQUE ("username");',
    safe:
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_username_unique" ON "users" ("username");\n' +
      'ALTER TABLE "users" ADD CONSTRAINT "users_username_unique" UNIQUE USING INDEX "users_username_unique";',
  },
  {
    rule: 'drop-column-breaks-running-code',
    trips: 'ALTER TABLE "users" DROP COLUMN "bio";',
    // First step of the safe sequence: stop writing it (the code stops reading it in the same deploy).
    safe: 'ALTER TABLE "users" ALTER COLUMN "bio" DROP NOT NULL;',
  },
  {
    rule: 'drop-table-breaks-running-code',
    trips: 'DROP TABLE "follows";',
    safe: 'DROP TRIGGER IF EXISTS "favorites_count" ON "favorites";',
  },
  {
    rule: 'rename-breaks-running-code',
    trips: 'ALTER TABLE "users" RENAME COLUMN "bio" TO "about";',
    safe: 'ALTER TABLE "users" ADD COLUMN "about" text;',
  },
];

for (const { rule, trips, safe } of CASES) {
  test(`${rule}: ${trips.split('\n').at(-1)}`, () => {
    assert.ok(rulesOf(trips).includes(rule), `not tripped: ${trips}`);
    assert.deepEqual(rulesOf(safe), [], `the safe rewrite trips: ${safe}`);
  });
}

test('every rule has a case', () => {
  assert.deepEqual(new Set(CASES.map((c) => c.rule)), new Set(Object.keys(RULES)));
});

test('only unsafe rules refuse an upgrade; warnings are shown', () => {
  for (const { rule, trips } of CASES) {
    const refused = refusals(lintSql(trips, 'up.sql')).map((r) => r.finding.rule);
    assert.equal(refused.includes(rule), RULES[rule].level === 'unsafe', rule);
  }
});

test('each statement says its lock, what that blocks, and what it does to the table', () => {
  const sql = [
    'CREATE INDEX "i" ON "articles" ("title");',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS "j" ON "articles" ("title");',
    'ALTER TABLE "users" ALTER COLUMN "bio" SET NOT NULL;',
    'ALTER TABLE "articles" ALTER COLUMN "title" TYPE varchar(300);',
    `ALTER TABLE "users" ADD COLUMN "nickname" text DEFAULT 'anon' NOT NULL;`,
    'ALTER TABLE "comments" ADD CONSTRAINT "fk" FOREIGN KEY ("author_id") REFERENCES "users"("id") NOT VALID;',
    'ALTER TABLE "comments" VALIDATE CONSTRAINT "other_fk";',
    `UPDATE "users" SET "bio" = '' WHERE "bio" IS NULL;`,
    'CREATE FUNCTION f() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;',
    'LOCK TABLE "articles" IN SHARE ROW EXCLUSIVE MODE;',
  ].join('\n');
  const seen = lintSql(sql, 'up.sql').annotations.map((a) => [
    a.statement.line,
    a.table,
    a.lock,
    a.blocks.join(', '),
    a.work,
  ]);
  assert.deepEqual(seen, [
    [1, 'articles', 'SHARE', 'writes, schema changes', 'build'],
    [2, 'articles', 'SHARE UPDATE EXCLUSIVE', 'schema changes', 'build'],
    [3, 'users', 'ACCESS EXCLUSIVE', 'reads, writes, schema changes', 'scan'],
    [4, 'articles', 'ACCESS EXCLUSIVE', 'reads, writes, schema changes', 'rewrite'],
    [5, 'users', 'ACCESS EXCLUSIVE', 'reads, writes, schema changes', 'catalog'],
    [6, 'comments', 'SHARE ROW EXCLUSIVE', 'writes, schema changes', 'catalog'],
    [7, 'comments', 'SHARE UPDATE EXCLUSIVE', 'schema changes', 'scan'],
    [8, 'users', 'ROW EXCLUSIVE', 'schema changes', 'rows'],
    [9, undefined, undefined, '', 'catalog'],
    [10, 'articles', 'SHARE ROW EXCLUSIVE', 'writes, schema changes', 'catalog'],
  ]);
});

test('a table created in the same migration is new and empty: statements on it are safe', () => {
  const sql = `CREATE TABLE "drafts" ("id" integer, "author_id" integer, "title" text);
CREATE INDEX "drafts_title_idx" ON "drafts" ("title");
ALTER TABLE "drafts" ADD CONSTRAINT "drafts_author_fk" FOREIGN KEY ("author_id") REFERENCES "users"("id");
ALTER TABLE "drafts" ALTER COLUMN "title" SET NOT NULL;
ALTER TABLE "drafts" ADD CONSTRAINT "drafts_id_unique" UNIQUE ("id");`;
  const { annotations } = lintSql(sql, 'up.sql');
  assert.deepEqual(
    annotations.map((a) => [a.newTable, a.findings.length, a.blocks.length]),
    [
      [false, 0, 0],
      [true, 0, 0],
      [true, 0, 0],
      [true, 0, 0],
      [true, 0, 0],
    ],
  );
});

test('-- gather:allow acknowledges a rule for the migration, with its reason; mistakes are refused', () => {
  const sql =
    '-- gather:allow create-index-blocking-writes the table has 40 rows\nCREATE INDEX "i" ON "tags" ("name");';
  const lint = lintSql(sql, '0003_x/up.sql');
  assert.deepEqual(lint.allows, [
    { rule: 'create-index-blocking-writes', why: 'the table has 40 rows', line: 1 },
  ]);
  assert.equal(lint.annotations[0]!.findings[0]!.allowed, 'the table has 40 rows');
  assert.deepEqual(refusals(lint), []);
  assert.throws(
    () => lintSql('-- gather:allow create-index-blocks because\nSELECT 1;', '0003_x/up.sql'),
    /0003_x\/up.sql line 1: gather:allow names no rule "create-index-blocks"/,
  );
  assert.throws(
    () => lintSql('SELECT 1; -- gather:allow set-not-null-scans why', '0003_x/up.sql'),
    /line 1: write the acknowledgement on a line of its own/,
  );
  assert.throws(() => lintSql('-- gather:allow set-not-null-scans\nSELECT 1;', 'up.sql'), /<rule> <why>/);
});

test('an acknowledgement line is not part of the checksum (what ran is unchanged)', () => {
  const up = 'CREATE INDEX "i" ON "tags" ("name");\n';
  assert.equal(
    checksumOf(`-- gather:allow create-index-blocking-writes small\n${up}`, ''),
    checksumOf(up, ''),
  );
  assert.notEqual(checksumOf(`-- another comment\n${up}`, ''), checksumOf(up, ''));
});

test("Gather's own migrations pass: nothing unsafe that is not acknowledged", async () => {
  const migrations = await loadMigrations();
  assert.ok(migrations.length >= 2);
  for (const migration of migrations) {
    const lint = lintSql(migration.up, `${migration.name}/up.sql`);
    assert.deepEqual(refusals(lint), [], migration.name);
  }
});

test('a syntax error names the file and line', () => {
  assert.throws(
    () => lintSql('SELECT 1;\nALTER TABLE "users" ADD COLUM "x" text;', '0003_x/up.sql'),
    /0003_x\/up.sql: PostgreSQL cannot parse it at line 2: syntax error/,
  );
});

/** squawk's rule for each of Gather's (docs/migrations.md has them side by side); null where it has none. */
const SQUAWK: Record<RuleName, string | null> = {
  'create-index-blocking-writes': 'require-concurrent-index-creation',
  'concurrent-index-not-restartable': 'prefer-robust-stmts',
  'add-column-not-null-without-default': 'adding-required-field',
  'add-column-volatile-default': 'adding-field-with-default',
  'set-not-null-scans': 'adding-not-nullable-field',
  'add-foreign-key-validates': 'adding-foreign-key-constraint',
  'add-check-validates': 'constraint-missing-not-valid',
  'validate-in-same-transaction': 'constraint-missing-not-valid',
  'alter-column-type-rewrites': 'changing-column-type',
  'add-unique-constraint-builds-index': 'disallowed-unique-constraint',
  'update-every-row-in-one-statement': null,
  'drop-column-breaks-running-code': 'ban-drop-column',
  'drop-table-breaks-running-code': 'ban-drop-table',
  'rename-breaks-running-code': 'renaming-column',
};

// squawk's Linux binary: .ci/run fetches it from the npm registry (squawk-cli cannot be a devDependency here).
const SQUAWK_BIN = process.env.SQUAWK_BIN;
const squawkMissing =
  SQUAWK_BIN !== undefined && existsSync(SQUAWK_BIN)
    ? false
    : 'set SQUAWK_BIN to a squawk binary (.ci/run fetches one)';

test('squawk flags what each rule flags, with the rule the docs name', { skip: squawkMissing }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gather-squawk-'));
  try {
    // squawk takes a serial column for a style matter (prefer-identity), not for the rewrite it causes.
    for (const { rule, trips } of CASES.filter(
      (c) => !c.trips.includes('serial') && SQUAWK[c.rule] !== null,
    )) {
      const file = join(dir, 'up.sql');
      await writeFile(file, trips);
      // squawk exits 1 when it finds something; its JSON report is on stdout either way.
      // Like the runner: a CONCURRENTLY statement alone outside a transaction, the rest inside one.
      const inTransaction = trips.includes('CONCURRENTLY') ? [] : ['--assume-in-transaction'];
      const { stdout } = await promisify(execFile)(SQUAWK_BIN!, [
        '--reporter=json',
        ...inTransaction,
        file,
      ]).catch((error: { stdout: string }) => error);
      const names = (JSON.parse(stdout) as { rule_name: string }[]).map((finding) => finding.rule_name);
      assert.ok(names.includes(SQUAWK[rule]!), `${rule}: squawk said ${names.join(', ')} for ${trips}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
