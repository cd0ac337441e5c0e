// `gather seed` as a newcomer runs it: the embedded database in a fresh folder, filled with the demo size,
// then left alone on a second run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

const GATHER = new URL('../../bin/gather.js', import.meta.url).pathname;
let dataDir: string;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gather-seed-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

async function seedCommand(...args: string[]) {
  const { DATABASE_URL: _postgres, ...env } = process.env;
  return promisify(execFile)(process.execPath, [GATHER, 'seed', ...args], {
    env: { ...env, GATHER_DATA_DIR: dataDir },
    timeout: 120_000,
  });
}

test('gather seed fills the embedded database with the demo size, with a progress line per table', async () => {
  const { stdout, stderr } = await seedCommand();
  assert.match(stdout, /gather seed: seeded \(12 users, 60 articles, 240 comments\)/);
  assert.match(stdout, /log in as ada_lovelace1@example\.com \/ password123/);
  for (const table of ['users', 'tags', 'articles', 'article_tags', 'comments', 'favorites', 'follows'])
    assert.match(stderr, new RegExp(`${table} +\\[#+\\]`), table);
});

test('a second run leaves the seeded database as it is; a bad size is refused', async () => {
  const { stdout } = await seedCommand();
  assert.match(stdout, /gather seed: already seeded \(12 users, 60 articles/);
  await assert.rejects(seedCommand('--size', 'huge'), (error: { code?: number; stderr?: string }) => {
    assert.equal(error.code, 2);
    assert.match(String(error.stderr), /--size must be one of demo, bench, quick, got "huge"/);
    return true;
  });
});
