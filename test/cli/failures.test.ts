// Every start-up failure is one line that names what is wrong and how to fix it, and exit code 1: never a
// stack trace, never a hang, and an embedded folder that cannot be opened is left exactly as it was.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, type GatherRun, runGather } from '../../tools/harness/server-process.ts';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gather-startup-'));
});
after(() => rm(scratch, { recursive: true, force: true }));

/** The run exited 1 with exactly `line` on stderr (stdout has only what came before, e.g. migrations). */
function refusedWith(run: GatherRun, line: string | RegExp): void {
  assert.equal(run.code, 1, `${run.stdout}${run.stderr}`);
  if (typeof line === 'string') assert.equal(run.stderr, `gather: ${line}\n`);
  else assert.match(run.stderr, line);
  assert.doesNotMatch(run.stdout, /Error| {4}at /);
}

test('a port in use names PORT, before any database work', async () => {
  const port = await freePort();
  const taken = createServer().listen(port, '127.0.0.1');
  try {
    const dataDir = join(scratch, 'port');
    const started = performance.now();
    const run = await runGather(['serve'], { env: { PORT: String(port), GATHER_DATA_DIR: dataDir } });
    refusedWith(
      run,
      `port ${port} is in use on 127.0.0.1 (another gather serve?): stop that process, or set PORT to a ` +
        'free port (PORT=0 takes any)',
    );
    // No embedded database was created (that takes seconds): the folder holds at most the JWT secret.
    const made = await readdir(dataDir).catch(() => []);
    assert.deepEqual(
      made.filter((name) => name !== 'jwt-secret'),
      [],
    );
    assert.ok(performance.now() - started < 5_000, 'refused at once');
  } finally {
    taken.close();
  }
});

test('PostgreSQL that does not answer names host:port, for serve and for gather db', async () => {
  const env = {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:1/gather',
    GATHER_DATA_DIR: join(scratch, 'pg'),
  };
  const line = 'PostgreSQL at 127.0.0.1:1 does not answer (ECONNREFUSED): start it, or fix DATABASE_URL';
  refusedWith(await runGather(['serve'], { env }), line);
  refusedWith(await runGather(['db', 'history'], { env }), line);
});

test('a database that does not exist gives the createdb command', {
  skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL)',
}, async () => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = '/gather_no_such_database';
  const run = await runGather(['serve'], {
    env: { DATABASE_URL: url.toString(), GATHER_DATA_DIR: join(scratch, 'missing') },
  });
  const user = url.username === '' ? '' : ` -U ${url.username}`;
  refusedWith(
    run,
    `the database "gather_no_such_database" does not exist on PostgreSQL at ${url.hostname}:${url.port || 5432}: ` +
      `create it with \`createdb -h ${url.hostname} -p ${url.port || 5432}${user} gather_no_such_database\`, or fix DATABASE_URL`,
  );
});

test('a data folder that cannot be created names GATHER_DATA_DIR (and does not hang under /proc)', async () => {
  const run = await runGather(['serve'], {
    env: { GATHER_DATA_DIR: '/proc/gather/data' },
    timeoutMs: 30_000,
  });
  refusedWith(
    run,
    'cannot create the data folder /proc/gather/data (ENOENT): set GATHER_DATA_DIR to a folder this user can write',
  );
});

test('an embedded database that cannot be opened is named, and left as it is', async () => {
  const dataDir = join(scratch, 'broken');
  await mkdir(join(dataDir, 'pgdata'), { recursive: true });
  await writeFile(join(dataDir, 'pgdata', 'PG_VERSION'), 'not a database\n');
  const run = await runGather(['serve'], { env: { GATHER_DATA_DIR: dataDir, PORT: '0' } });
  refusedWith(
    run,
    new RegExp(
      `^gather: the embedded database in ${dataDir} could not be opened \\(.+\\); it is left as it is: ` +
        'restore the folder from a backup, or move it aside and start on an empty GATHER_DATA_DIR\\n$',
    ),
  );
  assert.deepEqual(await readdir(join(dataDir, 'pgdata')), ['PG_VERSION']);
});
