// The login throttle's counters (src/http/attempt-counter.ts), in memory and in Redis: fixed windows that
// start with the first count, a count given back never below 0, memory bounded under random keys, and a
// Redis that fails reads as 0 (fail open).
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, describe, mock, test } from 'node:test';
import { Redis } from 'ioredis';
import { type AttemptCounter, memoryCounter, redisCounter } from '../../src/http/attempt-counter.ts';
import { privateRedis } from '../../tools/harness/private-redis.ts';

const WINDOW_MS = 60_000;

/** The behaviour both stores share; `counter(windowMs)` makes a counter with keys of its own. */
function sharedBehaviour(counter: (windowMs: number) => AttemptCounter) {
  test('counts per key within the window; the window ends where it started, not later', async () => {
    const c = counter(WINDOW_MS);
    assert.equal((await c.add('a', 1)).count, 1);
    assert.equal((await c.add('b', 1)).count, 1);
    const second = await c.add('a', 1);
    assert.equal(second.count, 2);
    assert.ok(second.msLeft > 0 && second.msLeft <= WINDOW_MS, `msLeft ${second.msLeft}`);
  });

  test('a count given back never goes below 0 and never opens a window', async () => {
    const c = counter(WINDOW_MS);
    assert.deepEqual(await c.add('none', -1), { count: 0, msLeft: 0 });
    assert.equal((await c.add('none', 1)).count, 1);
    await c.add('x', 1);
    assert.equal((await c.add('x', -1)).count, 0);
    assert.equal((await c.add('x', -1)).count, 0);
    assert.equal((await c.add('x', 1)).count, 1);
  });

  test('delete forgets a key', async () => {
    const c = counter(WINDOW_MS);
    await c.add('gone', 1);
    await c.add('gone', 1);
    await c.delete('gone');
    assert.equal((await c.add('gone', 1)).count, 1);
  });
}

describe('in memory', () => {
  sharedBehaviour((windowMs) => memoryCounter(windowMs));

  test('when the window has ended, the count starts again', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const c = memoryCounter(WINDOW_MS);
    await c.add('a', 1);
    await c.add('a', 1);
    t.mock.timers.tick(WINDOW_MS - 1);
    assert.deepEqual(await c.add('a', 1), { count: 3, msLeft: 1 });
    t.mock.timers.tick(1);
    assert.deepEqual(await c.add('a', 1), { count: 1, msLeft: WINDOW_MS });
  });

  test('bounded: past its size the oldest window is forgotten, whatever the number of keys', async () => {
    const c = memoryCounter(WINDOW_MS, 3);
    await c.add('oldest', 1);
    await c.add('oldest', 1);
    for (let i = 0; i < 1_000; i++) await c.add(`random-${i}@example.com`, 1);
    assert.equal((await c.add('oldest', 1)).count, 1);
    // The newest keys are still counted.
    assert.equal((await c.add('random-999@example.com', 1)).count, 2);
  });
});

const redis = (await privateRedis())?.redis;

describe('in Redis', { skip: redis === undefined && 'no Redis at REDIS_URL or 127.0.0.1:6379' }, () => {
  // Keys of this run only, deleted afterwards: other tests may use the same database at once.
  const prefix = `gather-test-counter-${randomBytes(4).toString('hex')}-`;
  const failed = mock.fn();
  after(async () => {
    const keys = await redis!.keys(`${prefix}*`);
    if (keys.length > 0) await redis!.del(...keys);
    redis!.disconnect();
  });

  sharedBehaviour((windowMs) => redisCounter(redis!, `${prefix}${randomInt(1e9)}-`, windowMs, failed));

  test('keys expire with their window', async () => {
    await redisCounter(redis!, prefix, 5_000, failed).add('expiring', 1);
    const ttl = await redis!.pttl(`${prefix}expiring`);
    assert.ok(ttl > 0 && ttl <= 5_000, `pttl ${ttl}`);
    assert.equal(failed.mock.callCount(), 0);
  });
});

describe('in Redis, while Redis is down', () => {
  let down: Redis;
  before(() => {
    // Nothing listens on port 1; without the offline queue, every command fails at once.
    down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    down.on('error', () => {});
  });
  after(() => down.disconnect());

  test('a count reads 0 (the limits let everyone through) and the failure is reported', async () => {
    const failed = mock.fn();
    const c = redisCounter(down, 'gather-test-', WINDOW_MS, failed);
    assert.deepEqual(await c.add('a', 1), { count: 0, msLeft: 0 });
    await c.delete('a');
    assert.equal(failed.mock.callCount(), 2);
  });
});
