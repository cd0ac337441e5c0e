// A PostgreSQL connection that dies inside a transaction, between two queries (the server restarted or an
// administrator ended the session): the request gets a 503, the process lives on, the pool heals.
// The full scenario (a private server stopped and started under load) is `npm run reliability -- db-faults`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PLANNER_SETTINGS } from '../../src/db/database.ts';
import { withSessionSettings } from '../../src/db/postgres.ts';
import { fromDatabaseError } from '../../src/http/error-handler.ts';
import { freshDatabase } from '../../tools/harness/test-app.ts';

const onPostgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';

test('a session terminated between two queries of a transaction: 503, no crash, the pool recovers', {
  skip: onPostgres ? false : 'PostgreSQL only: run with DATABASE_URL=postgres://…',
}, async () => {
  const { database, url, drop } = await freshDatabase();
  try {
    const outcome = await database
      .withSession(async (session) => {
        await session.exec('begin');
        const [row] = await session.query<{ pid: number }>('select pg_backend_pid() as pid');
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query('select pg_terminate_backend($1)', [row!.pid]);
        await admin.end();
        // The server's FATAL message arrives while no query runs: it used to be an unhandled 'error'.
        await sleep(300);
        await session.query('select 1');
      })
      .then(
        () => 'committed',
        (error: unknown) => fromDatabaseError(error)?.statusCode ?? error,
      );
    assert.equal(outcome, 503);
    await database.ping();
  } finally {
    await drop();
  }
});

test("every connection starts with the planner's settings and the deadlines, beside a URL's own options", () => {
  const url = new URL(
    withSessionSettings('postgres://u@h:5432/d?options=-c%20search_path%3Dbench', {
      groupMax: 4,
      queueMax: 8,
      statementMs: 2000,
      lockMs: 1000,
      idleInTransactionMs: 5000,
    }),
  );
  assert.equal(
    url.searchParams.get('options'),
    '-c search_path=bench -c plan_cache_mode=force_generic_plan -c statement_timeout=2000 ' +
      '-c lock_timeout=1000 -c idle_in_transaction_session_timeout=5000',
  );
  assert.equal(
    new URL(withSessionSettings('postgres://u@h/d', undefined)).searchParams.get('options'),
    '-c plan_cache_mode=force_generic_plan',
  );
});

test('the open database plans each prepared statement once (PGlite and PostgreSQL)', async () => {
  const { database, drop } = await freshDatabase();
  try {
    const [row] = await database.withSession((session) =>
      session.query<{ plan_cache_mode: string }>('show plan_cache_mode'),
    );
    assert.equal(row!.plan_cache_mode, PLANNER_SETTINGS.plan_cache_mode);
  } finally {
    await drop();
  }
});
