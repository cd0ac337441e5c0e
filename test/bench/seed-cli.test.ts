// `gather seed` as a newcomer runs it: the embedded database in a fresh folder, filled with the demo size,
// then left alone on a second run.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runGather } from '../../tools/harness/server-process.ts';

let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gather-seed-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

const seedCommand = (...args: string[]) =>
  runGather(['seed', ...args], { env: { GATHER_DATA_DIR: dataDir } });

test('gather seed fills the embedded database with the demo size, with a progress line per table', async () => {
  const { code, stdout, stderr } = await seedCommand();
  assert.equal(code, 0, stderr);
  assert.match(stdout, /gather seed: seeded \(12 users, 60 articles, 240 comments\)/);
  assert.match(stdout, /log in as ada_lovelace1@example\.com \/ password123/);
  for (const table of ['users', 'tags', 'articles', 'article_tags', 'comments', 'favorites', 'follows'])
    assert.match(stderr, new RegExp(`${table} +\\[#+\\]`), table);
});

test('a second run leaves the seeded database as it is; a bad size is refused', async () => {
  const { stdout } = await seedCommand();
  assert.match(stdout, /gather seed: already seeded \(12 users, 60 articles/);
  const huge = await seedCommand('--size', 'huge');
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /argument 'huge' is invalid\. Allowed choices are demo, bench, quick/);
});
