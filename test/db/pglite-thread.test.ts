// The embedded database in its own thread (src/db/pglite-thread.ts): the event loop keeps turning while a query
// runs, a transaction has the database to itself, errors keep their SQLSTATE and constraint, and a thread that
// is gone fails every statement as a database that went away (503), instead of hanging it.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { test } from 'node:test';
import { openPgliteThread } from '../../src/db/pglite-thread.ts';
import { fromDatabaseError } from '../../src/http/error-handler.ts';
import { withinBudget } from '../../src/request-budget.ts';

test('the event loop keeps turning while the database thread runs a long query', async () => {
  const database = await openPgliteThread(undefined);
  try {
    const delays = monitorEventLoopDelay({ resolution: 10 });
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 10);
    delays.enable();
    const started = performance.now();
    // Seconds of CPU work inside PostgreSQL: with PGlite on the loop's thread, no timer would fire until its end.
    await database.query(
      'select count(*) from generate_series(1, 5000000) a join generate_series(1, 2) b on true',
    );
    const ms = performance.now() - started;
    delays.disable();
    clearInterval(ticker);
    assert.ok(ms > 300, `the query should take a while (${ms.toFixed(0)} ms)`);
    // A blocked loop would tick once at the end; a free one about every 10 ms (a third of that on a loaded machine).
    assert.ok(ticks >= ms / 10 / 3, `${ticks} ticks of 10 ms in ${ms.toFixed(0)} ms`);
    assert.ok(delays.max / 1e6 < ms / 2, `the loop's longest delay ${(delays.max / 1e6).toFixed(0)} ms`);
  } finally {
    await database.close();
  }
});

test("features' statements are taken in turns: one sent behind another feature's queue goes next", async () => {
  const database = await openPgliteThread(undefined);
  try {
    const answered: string[] = [];
    const inFeature = (bulkhead: string, name: string) =>
      withinBudget({ deadline: performance.now() + 60_000, bulkhead, wal: { needed: 0n, written: 0n } }, () =>
        database.query('select $1::text as name', [name]).then(() => answered.push(name)),
      );
    // Sent in this order at once, while the thread is busy (a statement of no feature, sent first), so that all
    // four wait for their turn however fast each runs: without turns the thread would answer them in this order.
    await Promise.all([
      database.query('select pg_sleep(0.3)'),
      inFeature('articles', 'list 1'),
      inFeature('articles', 'list 2'),
      inFeature('articles', 'list 3'),
      inFeature('tags', 'tags'),
    ]);
    assert.deepEqual(answered, ['list 1', 'tags', 'list 2', 'list 3']);
  } finally {
    await database.close();
  }
});

test('a transaction has the database to itself; a statement sent meanwhile runs after it', async () => {
  const database = await openPgliteThread(undefined);
  try {
    await database.exec('create table notes (id int primary key, body text)');
    let releaseTransaction = () => {};
    const held = new Promise<void>((resolve) => {
      releaseTransaction = resolve;
    });
    const transaction = database.transaction(async (tx) => {
      await tx.query('insert into notes values (1, $1)', ['inside']);
      await held;
      await tx.query('insert into notes values (2, $1)', ['inside']);
    });
    // Sent while the transaction is open: it must not see (or join) its uncommitted rows.
    const outside = database.query<{ n: number }>('select count(*)::int as n from notes');
    await new Promise((resolve) => setTimeout(resolve, 50));
    releaseTransaction();
    await transaction;
    assert.equal((await outside).rows[0]!.n, 2);

    await assert.rejects(
      database.transaction(async (tx) => {
        await tx.query('insert into notes values (3, $1)', ['rolled back']);
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    const { rows } = await database.query<{ id: number }>('select id from notes order by id');
    assert.deepEqual(
      rows.map((row) => row.id),
      [1, 2],
    );
  } finally {
    await database.close();
  }
});

test('an error keeps its SQLSTATE and constraint; a closed thread fails statements as a database gone (503)', async () => {
  const database = await openPgliteThread(undefined);
  await database.exec('create table names (name text constraint names_name_key unique)');
  await database.query('insert into names values ($1)', ['ada']);
  const duplicate = await database
    .query('insert into names values ($1)', ['ada'])
    .catch((error: unknown) => error);
  assert.equal((duplicate as { code?: string }).code, '23505');
  assert.equal((duplicate as { constraint?: string }).constraint, 'names_name_key');

  await database.close();
  const gone = await database.query('select 1').catch((error: unknown) => error);
  assert.equal((gone as { code?: string }).code, '57P01');
  assert.equal(fromDatabaseError(gone)?.statusCode, 503);
});

test('a named statement is prepared once in the thread and run by name, with the rows an unnamed one gets', async () => {
  const database = await openPgliteThread(undefined);
  try {
    await database.exec(
      'create table posts (id int primary key, title text unique, tags text[], at timestamptz, draft boolean)',
    );
    const insert = 'insert into posts values ($1, $2, $3, $4, $5) returning id, title, tags, at::text, draft';
    const named = { name: 'post_insert', rowMode: 'object' as const };
    const first = await database.query(
      insert,
      [1, 'one', ['a', 'b'], new Date('2026-01-02T03:04:05Z'), true],
      named,
    );
    const unnamed = await database.query(
      'select id, title, tags, at::text, draft from posts where id = $1',
      [1],
    );
    assert.deepEqual(first.rows, unnamed.rows);
    assert.deepEqual(first.rows[0], {
      id: 1,
      title: 'one',
      tags: ['a', 'b'],
      at: '2026-01-02 03:04:05+00',
      draft: true,
    });

    // A failed run leaves the statement usable; its error keeps its SQLSTATE and constraint.
    const duplicate: { code?: string; constraint?: string } = await database
      .query(insert, [2, 'one', [], null, false], named)
      .then(
        () => ({}),
        (error: unknown) => error as { code?: string },
      );
    assert.equal(duplicate.code, '23505');
    assert.equal(duplicate.constraint, 'posts_title_key');
    const second = await database.query(insert, [2, 'two', null, null, null], { ...named, rowMode: 'array' });
    assert.deepEqual(second.rows, [[2, 'two', null, null, null]]);

    const prepared = await database.query<{ statement: string }>(
      'select statement from pg_prepared_statements',
    );
    assert.deepEqual(
      prepared.rows.map((row) => row.statement),
      [insert],
      'one server-side statement for the three named runs',
    );
  } finally {
    await database.close();
  }
});

test('a statement sent before close is answered, not failed', async () => {
  const database = await openPgliteThread(undefined);
  const running = database.query<{ n: number }>('select count(*)::int as n from generate_series(1, 2000000)');
  await database.close();
  assert.equal((await running).rows[0]!.n, 2_000_000);
});
