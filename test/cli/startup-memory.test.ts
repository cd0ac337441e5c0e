// The memory start-up used, given back before `gather serve` listens (src/cli/startup-memory.ts): this thread's
// young generation, grown by allocation, is shrunk by the one collection; PGlite's thread collects its own and
// goes on answering. And V8's optimising compilers, held while start-up runs, optimise hot code once released.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import v8 from 'node:v8';
import { collectStartupGarbage } from '../../src/cli/startup-memory.ts';
import { openPgliteThread } from '../../src/db/pglite-thread.ts';

const youngGenerationMb = () =>
  v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.physical_space_size /
  2 ** 20;

test("one collection gives back the young generation that start-up's allocations grew", () => {
  // Objects kept across a few collections grow the young generation, as loading modules and migrating do.
  let kept: object[] = [];
  for (let round = 0; round < 20; round++) {
    kept = [];
    for (let i = 0; i < 200_000; i++) kept.push({ i, name: `item ${i}` });
  }
  kept = [];
  const grown = youngGenerationMb();
  assert.ok(grown >= 16, `the young generation grew to ${grown.toFixed(1)} MB`);
  collectStartupGarbage();
  const after = youngGenerationMb();
  assert.ok(
    after <= 2,
    `the young generation after the collection: ${after.toFixed(1)} MB (was ${grown.toFixed(1)})`,
  );
});

test("PGlite's thread collects its own heap and goes on answering", async () => {
  const database = await openPgliteThread(undefined);
  try {
    await database.exec('create table kept (id int); insert into kept values (1), (2)');
    await database.collectStartupGarbage();
    const { rows } = await database.query<{ count: number }>('select count(*)::int as count from kept');
    assert.deepEqual(rows, [{ count: 2 }]);
  } finally {
    await database.close();
  }
});

/**
 * Runs `holdOptimisingCompilers`, a hot function, then `releaseOptimisingCompilers` and the function again, in
 * a Node of its own (V8's flags are the process's) started with `nodeFlags`; says whether V8 had optimised the
 * function (its optimisation status, read through V8's natives syntax) while held and once released.
 */
function optimisedWhileHeldAndReleased(nodeFlags: string[]): { held: boolean; released: boolean } {
  const module = new URL('../../src/cli/startup-memory.ts', import.meta.url).href;
  const script = `
    import { holdOptimisingCompilers, releaseOptimisingCompilers } from ${JSON.stringify(module)};
    const OPTIMISED = 1 << 4; // V8's OptimizationStatus::kOptimized (Maglev or TurboFan code)
    const hot = (a, b) => (a * 31 + b) % 1_000_003;
    const optimisedAfterRounds = async (rounds) => {
      for (let round = 0; round < rounds; round++) {
        let sum = 0;
        for (let i = 0; i < 10_000; i++) sum = hot(sum, i);
        // Optimised code is made on V8's worker threads and installed when this thread comes back to it.
        await new Promise((resolve) => setTimeout(resolve, 1));
        if ((%GetOptimizationStatus(hot) & OPTIMISED) !== 0) return true;
      }
      return false;
    };
    holdOptimisingCompilers();
    const held = await optimisedAfterRounds(100);
    releaseOptimisingCompilers();
    const released = await optimisedAfterRounds(500);
    process.stdout.write(JSON.stringify({ held, released }));
  `;
  const child = spawnSync(
    process.execPath,
    [
      ...(process.features.typescript ? [] : ['--import', 'tsx']),
      '--allow-natives-syntax',
      ...nodeFlags,
      '--input-type=module',
      '--eval',
      script,
    ],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { held: boolean; released: boolean };
}

test("start-up's code is not optimised while the compilers are held, and hot code is once they are released", () => {
  assert.deepEqual(optimisedWhileHeldAndReleased([]), { held: false, released: true });
});

test('a Node started with its own choice of compilers keeps it: Gather neither holds nor releases them', () => {
  // Both compilers off on Node's command line: releasing must not turn them on.
  assert.deepEqual(optimisedWhileHeldAndReleased(['--no-maglev', '--no-turbofan']), {
    held: false,
    released: false,
  });
});
