// A PostgreSQL connection that dies inside a transaction, between two queries (the server restarted or an
// administrator ended the session): the request gets a 503, the process lives on, the pool heals.
// The full scenario (a private server stopped and started under load) is `npm run reliability -- db-faults`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { fromDatabaseError } from '../../src/http/error-handler.ts';
import { freshDatabase } from '../../tools/harness/test-app.ts';

const onPostgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';

test('a session terminated between two queries of a transaction: 503, no crash, the pool recovers', {
  skip: onPostgres ? false : 'PostgreSQL only: run with DATABASE_URL=postgres://…',
}, async () => {
  const { database, url, drop } = await freshDatabase();
  try {
    const outcome = await database.db
      .transaction(async (tx) => {
        const { rows } = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as {
          rows: { pid: number }[];
        };
        const admin = new pg.Client({ connectionString: url });
        await admin.connect();
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await admin.end();
        // The server's FATAL message arrives while no query runs: it used to be an unhandled 'error'.
        await sleep(300);
        await tx.execute(sql`select 1`);
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
