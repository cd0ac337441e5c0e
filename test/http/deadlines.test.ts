// Deadlines and bulkheads: a request never waits past its deadline (503 with Retry-After), one feature's
// requests hold at most their share of the pool, and a table locked elsewhere costs only the requests
// that need it.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createBulkheads, untilDeadline } from '../../src/db/admission.ts';
import { fromDatabaseError } from '../../src/http/error-handler.ts';
import { featureShare } from '../../src/http/shedding.ts';
import { OverCapacity, withinBudget } from '../../src/request-budget.ts';
import { call } from '../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

const budget = (ms: number, bulkhead?: string) => ({
  deadline: performance.now() + ms,
  bulkhead,
  wal: { needed: 0n, written: 0n },
});

describe('admission', () => {
  test('a wait ends at the deadline with OverCapacity; what arrives later is handed back', async () => {
    const released: string[] = [];
    let arrive!: (value: string) => void;
    const late = new Promise<string>((resolve) => {
      arrive = resolve;
    });
    const started = performance.now();
    await assert.rejects(
      withinBudget(budget(50), () => untilDeadline(late, 'connection', (value) => released.push(value))),
      OverCapacity,
    );
    assert.ok(performance.now() - started < 500);
    arrive('connection 1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(released, ['connection 1']);
    // Outside a request there is no deadline: the wait is the promise itself.
    assert.equal(await untilDeadline(Promise.resolve(7), 'x', () => {}), 7);
  });

  test('a feature holds at most its slots; a waiter gets the next free one, or gives up at its deadline', async () => {
    const heads = createBulkheads(2);
    const first = await withinBudget(budget(1_000, 'articles'), () => heads.enter());
    const second = await withinBudget(budget(1_000, 'articles'), () => heads.enter());
    // Another feature is not held back by this one's full share.
    (await withinBudget(budget(1_000, 'tags'), () => heads.enter()))();
    await assert.rejects(
      withinBudget(budget(30, 'articles'), () => heads.enter()),
      OverCapacity,
    );
    const third = withinBudget(budget(1_000, 'articles'), () => heads.enter());
    first();
    (await third)();
    second();
    // Nothing was lost along the way: both slots are free again.
    const again = await Promise.all(
      [1, 2].map(() => withinBudget(budget(100, 'articles'), () => heads.enter())),
    );
    for (const release of again) release();
  });

  test('statement and lock timeouts, a session idle in a transaction, a shed request: 503 "busy"', () => {
    for (const code of ['57014', '55P03', '25P03', 'GATHER_OVER_CAPACITY']) {
      const mapped = fromDatabaseError(Object.assign(new Error('x'), { code }));
      assert.equal(mapped?.statusCode, 503, code);
      assert.deepEqual(mapped?.messages, ['the server is busy, try again shortly']);
    }
  });
});

describe('a table locked elsewhere (PostgreSQL)', {
  skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL)',
}, () => {
  let t: TestApp;
  let blocker: pg.Client;
  before(async () => {
    // A small pool, so that the articles share (2 of 4) is what keeps tags answering.
    t = await bootTestApp({
      REQUEST_TIMEOUT_MS: '1500',
      DB_LOCK_TIMEOUT_MS: '300',
      DB_POOL_MAX: '4',
      DB_POOL_GROUP_MAX: '2',
    });
    blocker = new pg.Client({ connectionString: t.config.databaseUrl });
    await blocker.connect();
  });
  after(async () => {
    await blocker.end();
    await t.close();
  });

  test('article reads get 503 with Retry-After within the deadline while tags answer at once', async () => {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE articles IN ACCESS EXCLUSIVE MODE');
    try {
      const started = performance.now();
      const articles = Array.from({ length: 6 }, () => t.app.inject({ method: 'GET', url: '/api/articles' }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const tagsStarted = performance.now();
      const tags = await call(t.app, 'GET', '/api/tags');
      const tagsMs = performance.now() - tagsStarted;
      assert.equal(tags.status, 200);
      assert.ok(tagsMs < 300, `tags waited ${tagsMs.toFixed(0)} ms behind the locked table`);
      for (const response of await Promise.all(articles)) {
        assert.equal(response.statusCode, 503);
        assert.equal(response.headers['retry-after'], '1');
        assert.deepEqual(response.json(), { errors: { body: ['the server is busy, try again shortly'] } });
      }
      assert.ok(performance.now() - started < 1_500 + 300, 'every article read ended by its deadline');
    } finally {
      await blocker.query('COMMIT');
    }
    assert.equal((await call(t.app, 'GET', '/api/articles')).status, 200);
  });

  test('past MAX_REQUESTS_IN_FLIGHT a feature holding its share is shed at once; the others go on', async () => {
    // The articles bulkhead holds 2 of the pool's 4 connections: its share of the 4 places is 2.
    const shares = await bootTestApp({
      MAX_REQUESTS_IN_FLIGHT: '4',
      DB_POOL_MAX: '4',
      DB_POOL_GROUP_MAX: '2',
    });
    assert.equal(featureShare(shares.config), 2);
    const holder = new pg.Client({ connectionString: shares.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE articles IN ACCESS EXCLUSIVE MODE');
      try {
        // Alone, the articles may take every place.
        const waiting = [1, 2, 3, 4].map(() => shares.app.inject({ method: 'GET', url: '/api/articles' }));
        await new Promise((resolve) => setTimeout(resolve, 20));
        const started = performance.now();
        const shed = await shares.app.inject({ method: 'GET', url: '/api/articles?tag=x' });
        assert.equal(shed.statusCode, 503);
        assert.equal(shed.headers['retry-after'], '1');
        assert.ok(performance.now() - started < 100, 'shed at once, not after a wait');
        for (const url of ['/api/tags', '/api/profiles/nobody', '/api/tags']) {
          assert.notEqual((await shares.app.inject({ method: 'GET', url })).statusCode, 503, url);
        }
        await holder.query('COMMIT');
        for (const response of await Promise.all(waiting)) assert.equal(response.statusCode, 200);
      } finally {
        await holder.query('ROLLBACK').catch(() => {});
      }
      // The places are free again once their requests are answered.
      assert.equal((await shares.app.inject({ method: 'GET', url: '/api/articles' })).statusCode, 200);
    } finally {
      await holder.end();
      await shares.close();
    }
  });

  test('a full queue for a connection sheds at once', async () => {
    const shedding = await bootTestApp({ DB_POOL_MAX: '1', DB_POOL_QUEUE_MAX: '0' });
    const holder = new pg.Client({ connectionString: shedding.config.databaseUrl });
    await holder.connect();
    try {
      // The only connection answers at once while nothing holds it.
      assert.equal((await shedding.app.inject({ method: 'GET', url: '/api/tags' })).statusCode, 200);
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE tags IN ACCESS EXCLUSIVE MODE');
      try {
        const waiting = shedding.app.inject({ method: 'GET', url: '/api/tags' });
        await new Promise((resolve) => setTimeout(resolve, 20));
        const started = performance.now();
        const shed = await shedding.app.inject({ method: 'GET', url: '/api/profiles/nobody' });
        assert.equal(shed.statusCode, 503);
        assert.ok(performance.now() - started < 100, 'shed at once, not after a wait');
        assert.equal((await waiting).statusCode, 503);
      } finally {
        await holder.query('COMMIT');
      }
    } finally {
      await holder.end();
      await shedding.close();
    }
  });
});
