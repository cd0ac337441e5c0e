// Password hashing runs in a bounded set of low-priority threads, never on the event loop's thread.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { createPasswords } from '../../../src/features/users/password.ts';

/** Nice value of each thread of this process, by thread id (Linux /proc). */
function threadNiceValues(): Map<string, number> {
  const nice = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      // Field 19 of stat, the 17th after "pid (comm) ": the nice value.
      nice.set(
        tid,
        Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
      );
    } catch {
      // the thread ended while we listed them
    }
  }
  return nice;
}

test('hashes at once: right answers, in at most cores - 1 threads at nice 10', {
  skip: process.platform === 'linux' ? false : 'thread nice values are a Linux feature',
}, async () => {
  const hasher = createPasswords();
  const passwords = Array.from({ length: 3 }, (_, i) => `password number ${i}`);
  const hashes = await Promise.all(passwords.map((password) => hasher.hash(password)));
  assert.equal(new Set(hashes).size, 3, 'each hash has its own salt');
  const checks = await Promise.all([
    ...hashes.map((hash, i) => hasher.verify(passwords[i]!, hash)),
    ...hashes.map((hash, i) => hasher.verify(`${passwords[i]}!`, hash)),
  ]);
  assert.deepEqual(checks, [true, true, true, false, false, false]);

  const nice = threadNiceValues();
  // The main thread's id is the process id.
  assert.equal(nice.get(String(process.pid)), 0, 'the event loop thread keeps its priority');
  const hashingThreads = [...nice.values()].filter((value) => value === 10).length;
  assert.ok(hashingThreads >= 1, `a hashing thread at nice 10 (threads: ${[...nice.values()].join(' ')})`);
  assert.ok(
    hashingThreads <= Math.max(1, availableParallelism() - 1),
    `at most cores - 1: ${hashingThreads}`,
  );
});
