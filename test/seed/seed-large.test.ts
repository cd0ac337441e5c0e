// The large size (a million articles, `gather seed --size large`, the migrate-live scenario): its rows are
// made chunk by chunk as the loader takes them, never all at once; loaded by COPY on PostgreSQL (here scaled
// down), every table gets exactly its rows, the counters agree with them, and progress is told table by
// table, each ending at its total before the next begins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate, largeShape, SIZES } from '../../src/seed/dataset.ts';
import { insertLoader } from '../../src/seed/loader.ts';
import type { Progress } from '../../src/seed/progress.ts';
import { countRows, seedDatabase } from '../../src/seed/seed.ts';
import { wrongCounters } from '../../tools/harness/fuzz/database.ts';
import { bootTestApp } from '../../tools/harness/test-app.ts';

test('the large size makes its first 5,000 articles without making the million', () => {
  const articles = generate(SIZES.large).find(({ table }) => table === 'articles')!;
  assert.equal(articles.rows, 1_000_000);
  const heapBefore = process.memoryUsage().heapUsed;
  const first = articles.chunks()[Symbol.iterator]().next();
  const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  assert.equal(first.done, false);
  assert.deepEqual(
    (first.value as unknown[][]).map((row) => row[0]),
    Array.from({ length: 5_000 }, (_, i) => i + 1),
  );
  // 5,000 rows of ~700 bytes: a few MB; the million would be hundreds.
  assert.ok(grownMb < 64, `the first chunk grew the heap by ${grownMb.toFixed(0)} MB`);
});

test('the large shape, scaled down, loads by COPY with exact rows and counters; progress table by table', {
  skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL): large is PostgreSQL only',
}, async () => {
  const t = await bootTestApp();
  try {
    const size = largeShape(20_000);
    const events: string[] = [];
    const progress: Progress = {
      step: (label) => events.push(`step ${label}`),
      update: (label, done, total) => events.push(`update ${label} ${done}/${total}`),
      finish: (label) => events.push(`finish ${label}`),
    };
    const result = await seedDatabase(t.database, t.config.databaseUrl, { size, replace: false, progress });
    assert.equal(result.status, 'loaded');
    assert.deepEqual(await t.database.withSession((s) => countRows(insertLoader(s))), size);
    assert.deepEqual(await wrongCounters(t.database), []);
    const [links] = await t.database.withSession((s) =>
      s.query<{ n: number }>('select count(*)::int as n from article_tags'),
    );
    const tables = generate(size);
    assert.equal(links!.n, tables.find(({ table }) => table === 'article_tags')!.rows);

    // Per table: updates from 0 up to its total, then its finish, before the next table starts.
    const perTable = tables.map(({ table, rows }) => {
      const mine = events.filter((e) => e.split(' ')[1] === table);
      const done = mine
        .filter((e) => e.startsWith('update'))
        .map((e) => Number(e.split(' ')[2]!.split('/')[0]));
      return { table, first: events.indexOf(mine[0]!), last: events.indexOf(mine.at(-1)!), mine, done, rows };
    });
    for (const [i, { table, mine, done, rows, first, last }] of perTable.entries()) {
      assert.equal(mine.at(-1), `finish ${table}`, table);
      assert.equal(done[0], 0, table);
      assert.equal(done.at(-1), rows, table);
      assert.deepEqual(
        done,
        [...done].sort((a, b) => a - b),
        `${table}: never backwards`,
      );
      if (i > 0)
        assert.ok(first > perTable[i - 1]!.last, `${table} starts after ${perTable[i - 1]!.table} ends`);
      assert.ok(last < events.indexOf('step vacuum'), `${table} before the vacuum`);
    }
  } finally {
    await t.close();
  }
});
