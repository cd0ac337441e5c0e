// tools/harness/server-process.ts, on small throwaway servers: readiness from printed lines, the process
// exiting before it is ready, SIGTERM escalated to SIGKILL, and the /proc figures.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startServer } from '../../tools/harness/server-process.ts';

let folder: string;
/** Writes `source` as a script of its own and returns its path. */
async function script(name: string, source: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, source);
  return path;
}

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'gather-server-process-'));
});
after(() => rm(folder, { recursive: true, force: true }));

test('ready after N matching lines; the URL answers; SIGTERM stops it with code 0', async (t) => {
  const path = await script(
    'http.mjs',
    `import { createServer } from 'node:http';
     const server = createServer((req, res) => res.end('hello')).listen(Number(process.env.PORT), process.env.HOST, () => {
       console.log('ready 1'); console.log('ready 2');
     });
     process.on('SIGTERM', () => server.close(() => console.log('bye')));`,
  );
  const server = await startServer({ script: path, ready: /^ready \d$/, readyCount: 2 });
  t.after(() => server.stop());
  assert.equal(await (await fetch(server.url)).text(), 'hello');
  assert.ok(server.rssMb() > 5, `rss ${server.rssMb()} MB`);
  assert.ok(server.cpuMs() > 0, `cpu ${server.cpuMs()} ms`);
  assert.deepEqual(await server.stop(), { code: 0, signal: null });
  assert.match(server.output(), /bye\n$/);
});

test('a process that exits before its ready line rejects with its output', async () => {
  const path = await script('fails.mjs', `console.error('no database'); process.exit(3);`);
  await assert.rejects(
    startServer({ script: path, ready: /listening/ }),
    /exited before 1 × \/listening\/:\nno database/,
  );
});

test('a process that ignores SIGTERM is killed after the grace period', async (t) => {
  const path = await script(
    'stubborn.mjs',
    `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); setInterval(() => {}, 1000); console.log('up');`,
  );
  const server = await startServer({ script: path, ready: /^up$/ });
  t.after(() => server.stop(0));
  assert.deepEqual(await server.stop(300), { code: null, signal: 'SIGKILL' });
  assert.match(server.output(), /ignoring SIGTERM/);
});

test('the chosen port is its PORT; exited() rejects while it runs on, and waitFor() when lines do not come', async (t) => {
  const path = await script(
    'idle.mjs',
    `setInterval(() => {}, 1000); console.log('up on', process.env.PORT);`,
  );
  const port = await freePort();
  const server = await startServer({ script: path, port, ready: /^up on \d+$/ });
  t.after(() => server.stop());
  assert.equal(server.url, `http://127.0.0.1:${port}`);
  assert.equal(server.output(), `up on ${port}\n`);
  await assert.rejects(server.exited(100), /still running after 100 ms/);
  await assert.rejects(server.waitFor(/never/, 1, 100), /fewer than 1 × \/never\/ after 100 ms/);
  server.kill('SIGKILL');
  assert.deepEqual(await server.exited(), { code: null, signal: 'SIGKILL' });
});
