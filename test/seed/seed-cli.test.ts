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

const TABLES = ['users', 'tags', 'articles', 'article_tags', 'comments', 'favorites', 'follows'];

test('gather seed fills the embedded database with the demo size: progress while it works, the summary last', async () => {
  // stdout and stderr into one pipe, as a terminal or `2>&1` shows them.
  const { code, stdout } = await runGather(['seed'], {
    env: { GATHER_DATA_DIR: dataDir },
    mergeStderr: true,
  });
  assert.equal(code, 0, stdout);
  const lines = stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ {2}database +opening PGlite \(.*\); a new folder takes a few seconds$/);
  assert.match(lines[1]!, /^ {2}database +ready in \d+\.\d s$/);
  TABLES.forEach((table, i) => {
    assert.match(
      lines[2 + i]!,
      new RegExp(`^  ${table} +\\[#{30}\\] [\\d,]+/[\\d,]+ in \\d+\\.\\d s$`),
      table,
    );
  });
  assert.match(lines.at(-2)!, /^ {2}vacuum +VACUUM ANALYZE in \d+\.\d s$/);
  // The summary's time is the whole command's, start-up and opening the database included.
  const summary = lines.at(-1)!;
  assert.match(
    summary,
    /^gather seed: seeded \(12 users, 60 articles, 240 comments\) in (\d+\.\d) s \(rows (\d+\.\d) s\)/,
  );
  const [, total, rows] = /in (\d+\.\d) s \(rows (\d+\.\d) s\)/.exec(summary)!;
  assert.ok(Number(total) > Number(rows), summary);
  assert.match(summary, /log in as ada_lovelace1@example\.com \/ password123$/);
});

test('a second run leaves the seeded database as it is; a bad size is refused', async () => {
  const { stdout } = await seedCommand();
  assert.match(stdout, /gather seed: already seeded \(12 users, 60 articles/);
  const huge = await seedCommand('--size', 'huge');
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /argument 'huge' is invalid\. Allowed choices are demo, bench, quick, large/);
});

test('--size large on the embedded database is refused in one line', async () => {
  const large = await seedCommand('--size', 'large');
  assert.equal(large.code, 1);
  assert.equal(
    large.stderr,
    'gather: --size large needs PostgreSQL (set DATABASE_URL): the embedded database loads by INSERT, too slow for a million articles\n',
  );
});
