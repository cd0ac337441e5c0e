// A new embedded folder is a copy of a template made once per PGlite version: callers making it at once do not
// clash, it is never half-made, and a folder whose creation was killed mid-copy is created again at the next start.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CREATING, ensureTemplate, templateFor } from '../../src/db/pglite-template.ts';
import { runGather } from '../../tools/harness/server-process.ts';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gather-template-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** An initdb that writes a PG_VERSION and counts its runs. */
function fakeInitdb() {
  const runs: string[] = [];
  const initdb = async (folder: string, tarball?: string) => {
    runs.push(folder);
    await mkdir(folder);
    await writeFile(join(folder, 'PG_VERSION'), '18\n');
    if (tarball !== undefined) await writeFile(tarball, 'files');
  };
  return { initdb, runs };
}

test('callers making the template at once do not clash, and it is kept for the next', async () => {
  const template = templateFor(join(scratch, 'made-once', 'pglite-test'));
  const { initdb, runs } = fakeInitdb();
  const [first, second] = await Promise.all([
    ensureTemplate(initdb, template),
    ensureTemplate(initdb, template),
  ]);
  assert.equal(first, template);
  assert.equal(second, template);
  assert.equal(await ensureTemplate(initdb, template), template);
  assert.ok(runs.length >= 1 && runs.length <= 2, `initdb ran ${runs.length} times`);
  assert.deepEqual((await readdir(join(scratch, 'made-once'))).sort(), ['pglite-test', 'pglite-test.tar']);
});

test('an initdb that fails leaves no template and no partial folder behind', async () => {
  const template = templateFor(join(scratch, 'failed', 'pglite-test'));
  const failing = async (folder: string, tarball?: string) => {
    await mkdir(folder);
    await writeFile(join(folder, 'half-written'), '');
    if (tarball !== undefined) await writeFile(tarball, 'half');
    throw new Error('initdb failed');
  };
  await assert.rejects(ensureTemplate(failing, template), /initdb failed/);
  assert.deepEqual(await readdir(join(scratch, 'failed')), []);
});

test('where the template cannot be kept, there is none and initdb is not run', async () => {
  await writeFile(join(scratch, 'a-file'), '');
  const { initdb, runs } = fakeInitdb();
  assert.equal(await ensureTemplate(initdb, templateFor(join(scratch, 'a-file', 'pglite-test'))), undefined);
  assert.deepEqual(runs, []);
});

test('a folder whose creation was killed mid-copy is created again at the next start', async () => {
  const dataDir = join(scratch, 'killed-mid-copy');
  await mkdir(join(dataDir, CREATING), { recursive: true });
  await writeFile(join(dataDir, CREATING, 'PG_VERSION'), '18\n');
  const run = await runGather(['db', 'upgrade'], { env: { GATHER_DATA_DIR: dataDir } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /applied 0001_init/);
  assert.deepEqual((await readdir(dataDir)).sort(), ['gather.lock', 'pgdata']);
  assert.equal((await readFile(join(dataDir, 'pgdata', 'PG_VERSION'), 'utf8')).trim(), '18');
});
