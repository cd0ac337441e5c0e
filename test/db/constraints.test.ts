// src/db/constraints.ts against the migrated schema: every name it maps exists, and a violation raised
// through drizzle (which wraps the driver's error) is recognised, on PGlite and PostgreSQL alike.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  databaseErrorOf,
  UNIQUE_INDEX,
  USER_FOREIGN_KEYS,
  violatesUnique,
} from '../../src/db/constraints.ts';
import { sql } from '../../src/db/orm.ts';
import { users } from '../../src/db/schema/index.ts';
import { fromDatabaseError } from '../../src/http/error-handler.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

test('every constraint and index name constraints.ts maps exists in the migrated schema', async () => {
  const { rows } = (await t.database.db.execute(
    sql`select conname as name from pg_constraint union select indexname from pg_indexes`,
  )) as unknown as { rows: { name: string }[] };
  const names = new Set(rows.map((row) => row.name));
  for (const name of [...Object.values(UNIQUE_INDEX), ...USER_FOREIGN_KEYS]) {
    assert.ok(names.has(name), `${name} exists`);
  }
});

test('a unique violation is found under drizzle’s wrapping, and answered as the field taken', async () => {
  const user = { username: 'taken_once', email: 'taken_once@example.com', passwordHash: 'not-a-hash' };
  await t.database.db.insert(users).values(user);
  const error = await t.database.db
    .insert(users)
    .values({ ...user, email: 'other@example.com' })
    .then(
      () => assert.fail('the second insert must fail'),
      (caught: unknown) => caught,
    );
  assert.deepEqual(databaseErrorOf(error), { code: '23505', constraint: UNIQUE_INDEX.username });
  assert.ok(violatesUnique(error, UNIQUE_INDEX.username));
  assert.ok(!violatesUnique(error, UNIQUE_INDEX.slug));
  assert.deepEqual(fromDatabaseError(error)?.messages, ['username has already been taken']);
});

test('an error that did not come from the database has no SQLSTATE', () => {
  assert.equal(databaseErrorOf(new Error('a bug')), undefined);
  assert.equal(databaseErrorOf(undefined), undefined);
});
