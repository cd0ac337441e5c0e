// What `gather serve` does with pending migrations, as a user meets it: on the embedded PGlite database it
// applies them and says so; on PostgreSQL it refuses to start and names the command to run, unless told to
// migrate (--migrate or GATHER_AUTO_MIGRATE=1).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freshDatabase, TEST_JWT_SECRET } from '../helpers/app.ts';

const GATHER = new URL('../../bin/gather.js', import.meta.url).pathname;
const WAIT_MS = 60_000;

type Serve = { child: ChildProcess; output: () => string };

function startServe(args: string[], env: Record<string, string>): Serve {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [GATHER, 'serve', ...args], {
    env: {
      ...inherited,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return { child, output: () => output };
}

/** Resolves with the exit code; kills the process and fails if it has not exited within WAIT_MS. */
async function exitCode(serve: Serve): Promise<number | null> {
  if (serve.child.exitCode !== null) return serve.child.exitCode;
  const timer = setTimeout(() => serve.child.kill('SIGKILL'), WAIT_MS);
  try {
    const [code] = (await once(serve.child, 'exit')) as [number | null];
    assert.notEqual(serve.child.signalCode, 'SIGKILL', `gather serve did not exit:\n${serve.output()}`);
    return code;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the "listening" line, then stops the server with SIGTERM; returns everything it printed. */
async function listenThenStop(serve: Serve): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  try {
    while (!serve.output().includes('gather: listening on')) {
      assert.equal(serve.child.exitCode, null, `gather serve exited early:\n${serve.output()}`);
      assert.ok(Date.now() < deadline, `gather serve did not listen:\n${serve.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    if (serve.child.exitCode === null) serve.child.kill('SIGTERM');
  }
  assert.equal(await exitCode(serve), 0, serve.output());
  return serve.output();
}

test('on PGlite, serve applies pending migrations and logs them, then only starts', {
  skip: process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false,
}, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gather-serve-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = await listenThenStop(startServe([], { GATHER_DATA_DIR: dataDir }));
  assert.match(first, /gather: applied migration 0001_init\n.*gather: listening on/s);
  const second = await listenThenStop(startServe([], { GATHER_DATA_DIR: dataDir }));
  assert.doesNotMatch(second, /applied migration/);
});

test('on PostgreSQL, serve refuses while migrations are pending unless told to migrate', {
  skip: process.env.DATABASE_URL ? false : 'runs in the PostgreSQL pass (DATABASE_URL=… npm test)',
}, async (t) => {
  const { url, drop } = await freshDatabase();
  t.after(drop);
  const refused = startServe([], { DATABASE_URL: url! });
  assert.equal(await exitCode(refused), 1);
  assert.match(
    refused.output(),
    /^gather: 1 migration\(s\) pending \(0001_init\); review them with `gather db sql`, apply with `gather db upgrade`/,
  );
  const migrated = await listenThenStop(startServe([], { DATABASE_URL: url!, GATHER_AUTO_MIGRATE: '1' }));
  assert.match(migrated, /gather: applied migration 0001_init\n.*gather: listening on/s);
  await listenThenStop(startServe([], { DATABASE_URL: url! }));
});
