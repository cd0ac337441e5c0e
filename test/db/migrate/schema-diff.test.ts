// `gather db migrate` without a terminal: drizzle-kit's diff engine never gets to ask "create or rename?".
// An ambiguous change is refused with the flag that settles it; a declared rename becomes RENAME in the up
// SQL and its reverse in the down SQL; --drop-and-create drops and creates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDrizzleJson } from 'drizzle-kit/api';
import { RULES } from '../../../src/db/migrate/lint-rules.ts';
import { MigrationError } from '../../../src/db/migrate/migration-error.ts';
import { integer, pgTable, text } from '../../../src/db/orm.ts';
import { safeStatements } from '../../../tools/db-author/safe-form.ts';
import { diffSnapshots } from '../../../tools/db-author/schema-diff.ts';
import { parseRename, type Snapshot } from '../../../tools/db-author/snapshot-renames.ts';

const snapshotOf = (tables: Record<string, unknown>) => generateDrizzleJson(tables) as unknown as Snapshot;

const before = snapshotOf({
  users: pgTable('users', { id: integer('id').primaryKey(), nickname: text('nickname') }),
});
const columnRenamed = snapshotOf({
  users: pgTable('users', { id: integer('id').primaryKey(), handle: text('handle') }),
});
const tableRenamed = snapshotOf({
  people: pgTable('people', { id: integer('id').primaryKey(), nickname: text('nickname') }),
});

test('a column that disappeared while another appeared is refused, naming the flag', async () => {
  await assert.rejects(
    diffSnapshots(before, columnRenamed),
    (error: Error) =>
      error instanceof MigrationError &&
      error.message.includes('columns of users: gone nickname; new handle') &&
      error.message.includes('--rename users.nickname=handle') &&
      error.message.includes('--drop-and-create'),
  );
});

test('a declared column rename is a RENAME up and its reverse down', async () => {
  const diff = await diffSnapshots(before, columnRenamed, {
    renames: [parseRename('users.nickname=handle')],
  });
  assert.deepEqual(diff.up, ['ALTER TABLE "users" RENAME COLUMN "nickname" TO "handle";']);
  assert.deepEqual(diff.down, ['ALTER TABLE "users" RENAME COLUMN "handle" TO "nickname";']);
});

test('a declared table rename is a RENAME up and its reverse down', async () => {
  await assert.rejects(diffSnapshots(before, tableRenamed), /--rename users=people/);
  const diff = await diffSnapshots(before, tableRenamed, { renames: [parseRename('users=people')] });
  assert.deepEqual(diff.up, ['ALTER TABLE "users" RENAME TO "people";']);
  assert.deepEqual(diff.down, ['ALTER TABLE "people" RENAME TO "users";']);
});

test('--drop-and-create drops the old column and adds the new one, and the reverse down', async () => {
  const diff = await diffSnapshots(before, columnRenamed, { dropAndCreate: true });
  assert.deepEqual(diff.up, [
    'ALTER TABLE "users" DROP COLUMN "nickname";',
    'ALTER TABLE "users" ADD COLUMN "handle" text;',
  ]);
  assert.deepEqual(diff.down, [
    'ALTER TABLE "users" DROP COLUMN "handle";',
    'ALTER TABLE "users" ADD COLUMN "nickname" text;',
  ]);
});

test('a rename that does not match the schemas is refused', async () => {
  assert.throws(() => parseRename('users.nickname'), MigrationError);
  await assert.rejects(
    diffSnapshots(before, columnRenamed, { renames: [parseRename('users.bio=handle')] }),
    /no column users.bio in the last snapshot/,
  );
});

test('migrate writes the safe form where there is one, and says what to change where there is not', async () => {
  const written = await safeStatements(
    [
      'CREATE TABLE "drafts" ("id" integer, "title" text);',
      'CREATE INDEX "drafts_title_idx" ON "drafts" USING btree ("title");',
      'CREATE UNIQUE INDEX "users_nickname_key" ON "users" USING btree ("nickname");',
      'DROP INDEX "users_bio_idx";',
      'ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;',
    ],
    '0003_x/up.sql',
    'up',
  );
  assert.deepEqual(written, [
    'CREATE TABLE "drafts" ("id" integer, "title" text);',
    // A new table is empty: the plain form, in the migration's transaction.
    'CREATE INDEX "drafts_title_idx" ON "drafts" USING btree ("title");',
    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_nickname_key" ON "users" USING btree ("nickname");',
    'DROP INDEX CONCURRENTLY IF EXISTS "users_bio_idx";',
    [
      '-- gather: UNSAFE set-not-null-scans: SET NOT NULL scans the whole table under ACCESS EXCLUSIVE: reads and writes wait',
      `--   safe: ${RULES['set-not-null-scans'].safe}`,
      '--   change it, or keep it with a line: -- gather:allow set-not-null-scans <why>',
      'ALTER TABLE "users" ALTER COLUMN "nickname" SET NOT NULL;',
    ].join('\n'),
  ]);
});

test('down.sql gets the safe forms but no advice (a downgrade is not refused)', async () => {
  assert.deepEqual(await safeStatements(['DROP INDEX "users_nickname_key";'], '0003_x/down.sql', 'down'), [
    'DROP INDEX CONCURRENTLY IF EXISTS "users_nickname_key";',
  ]);
  assert.deepEqual(
    await safeStatements(['ALTER TABLE "users" DROP COLUMN "nickname";'], '0003_x/down.sql', 'down'),
    ['ALTER TABLE "users" DROP COLUMN "nickname";'],
  );
});
