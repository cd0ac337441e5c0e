// asCompleted yields in completion order (not argument order), rethrows a rejection in its turn, and
// leaves no unhandled rejection behind when the caller stops early.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { asCompleted } from '../../src/http/as-completed.ts';

const after = <T>(ms: number, value: T): Promise<T> => sleep(ms).then(() => value);

test('yields values in the order their promises settle', async () => {
  const order: string[] = [];
  for await (const value of asCompleted([after(60, 'slow'), after(0, 'fast'), after(30, 'middle')])) {
    order.push(value);
  }
  assert.deepEqual(order, ['fast', 'middle', 'slow']);
});

test('each value is yielded as soon as it settles, not when all have', async () => {
  const started = performance.now();
  const arrivals: number[] = [];
  for await (const _ of asCompleted([after(10, 1), after(150, 2)]))
    arrivals.push(performance.now() - started);
  assert.ok(arrivals[0]! < 100, `the first value came after ${arrivals[0]!.toFixed(0)} ms`);
  assert.ok(arrivals[1]! >= 140, `the second value came after ${arrivals[1]!.toFixed(0)} ms`);
});

test('already-settled promises and an empty input', async () => {
  const values: number[] = [];
  for await (const value of asCompleted([Promise.resolve(1), Promise.resolve(2)])) values.push(value);
  assert.deepEqual(values, [1, 2]);
  for await (const _ of asCompleted<number>([])) assert.fail('nothing to yield');
});

test('a rejection is thrown in its turn, after the values that settled before it', async () => {
  const seen: string[] = [];
  const failing = sleep(20).then(() => {
    throw new Error('boom');
  });
  await assert.rejects(async () => {
    for await (const value of asCompleted([after(40, 'late'), failing, after(0, 'early')])) seen.push(value);
  }, /boom/);
  assert.deepEqual(seen, ['early']);
});

test('stopping early, or never starting, leaves no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const failing = sleep(10).then(() => {
      throw new Error('after the break');
    });
    for await (const _ of asCompleted([after(0, 'first'), failing])) break;
    // Never iterated at all: its rejection is observed from the call on.
    asCompleted([sleep(5).then(() => Promise.reject(new Error('never read')))]);
    await sleep(30);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
