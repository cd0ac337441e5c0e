// `gather db migrate` without a terminal: drizzle-kit's diff engine never gets to ask "create or rename?".
// An ambiguous change is refused with the flag that settles it; a declared rename becomes RENAME in the up
// SQL and its reverse in the down SQL; --drop-and-create drops and creates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateDrizzleJson } from 'drizzle-kit/api';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { MigrationError } from '../../src/db/migrate/migration-error.ts';
import { needingBackfill } from '../../tools/db-author/generator.ts';
import { diffSnapshots } from '../../tools/db-author/schema-diff.ts';
import { parseRename, type Snapshot } from '../../tools/db-author/snapshot-renames.ts';

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

test('NOT NULL on existing rows without a default is flagged for a backfill', () => {
  assert.deepEqual(
    needingBackfill([
      'ALTER TABLE "users" ADD COLUMN "a" text NOT NULL;',
      `ALTER TABLE "users" ADD COLUMN "b" text DEFAULT 'x' NOT NULL;`,
      'ALTER TABLE "users" ALTER COLUMN "c" SET NOT NULL;',
      'ALTER TABLE "users" ADD COLUMN "d" text;',
    ]),
    [
      'ALTER TABLE "users" ADD COLUMN "a" text NOT NULL;',
      'ALTER TABLE "users" ALTER COLUMN "c" SET NOT NULL;',
    ],
  );
});
