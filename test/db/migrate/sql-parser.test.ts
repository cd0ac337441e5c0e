// The SQL parser (libpg-query's WASM) is loaded for the callers that hold it and let go when the last one
// unloads it (src/db/migrate/statements.ts): nothing then refers to it, so a collection frees its memory, and
// a server that applied its migrations at start does not keep it for good.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { collectStartupGarbage } from '../../../src/cli/startup-memory.ts';
import { loadSqlParser, parseSql, sqlParser } from '../../../src/db/migrate/statements.ts';

const externalMb = () => process.memoryUsage().external / 2 ** 20;

test('the parser is let go when its last holder unloads it, and a collection frees it', async () => {
  const before = externalMb();
  const unloadFirst = await loadSqlParser();
  const unloadSecond = await loadSqlParser();
  const loaded = new WeakRef(sqlParser());
  // Node 24 counts the WASM memory (128 MB) as external memory; Node 26 does not.
  const counted = externalMb() - before >= 64;
  unloadFirst();
  unloadFirst();
  assert.equal(parseSql('SELECT 1;', 'up.sql').statements.length, 1, 'still loaded: one holder is left');
  unloadSecond();
  assert.throws(() => sqlParser(), /not loaded/);
  // A WeakRef's target lives to the end of the current job: collect after it.
  await setImmediate();
  collectStartupGarbage();
  assert.equal(loaded.deref(), undefined, 'something still refers to the parser');
  if (counted) {
    const after = externalMb() - before;
    assert.ok(after < 8, `external memory after: ${after.toFixed(1)} MB more`);
  }
});

test('a parser loaded again after it was let go parses as before', async () => {
  const unload = await loadSqlParser();
  try {
    assert.equal(parseSql('CREATE TABLE t (id int); DROP TABLE t;', 'up.sql').statements.length, 2);
  } finally {
    unload();
  }
});
