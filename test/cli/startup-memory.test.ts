// The memory start-up used, given back before `gather serve` listens (src/cli/startup-memory.ts): this thread's
// young generation, grown by allocation, is shrunk by the one collection; PGlite's thread collects its own and
// goes on answering.
import assert from 'node:assert/strict';
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
