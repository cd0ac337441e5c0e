// One embedded database belongs to one process. While `gather serve` holds a PGlite folder, every other
// command that would open it (seed, db, trace, a second serve) refuses in one line that names the holder,
// and the server's data stays intact; `gather seed --url` fills it through the API instead. A server killed
// with kill -9 leaves its lock behind only in the file: the next start takes the folder over, data kept.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runGather, type ServerProcess, startGather } from '../../tools/harness/server-process.ts';
import { TEST_BUDGET_ENV } from '../../tools/harness/test-app.ts';

const skip = process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false;

let dataDir: string;
let server: ServerProcess;
const env = () => ({
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  GATHER_DATA_DIR: dataDir,
  ...TEST_BUDGET_ENV,
});

async function api(method: string, path: string, body?: object, token?: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token !== undefined && { authorization: `Token ${token}` }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

before(async () => {
  if (skip) return;
  dataDir = await mkdtemp(join(tmpdir(), 'gather-lock-'));
  server = await startGather({ env: env() });
});
after(async () => {
  if (skip) return;
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('every command that would open the held folder refuses in one line naming the holder', {
  skip,
}, async () => {
  const ann = { username: 'ann', email: 'ann@example.com', password: 'password123' };
  const { body } = await api('POST', '/api/users', { user: ann });
  const token = (body.user as { token: string }).token;
  const article = { title: 'Kept', description: 'd', body: 'b' };
  assert.equal((await api('POST', '/api/articles', { article }, token)).status, 201);

  const holder =
    `the data folder ${dataDir} is in use by gather serve \\(pid ${server.pid}, since \\d\\d:\\d\\d:\\d\\d UTC, ` +
    `serving ${server.url}\\): one embedded database belongs to one process; stop that process first, or set ` +
    'GATHER_DATA_DIR to another folder';
  const cases: [string[], string][] = [
    [['seed'], `; to fill it while it runs: gather seed --url ${server.url}`],
    [['db', 'upgrade'], ''],
    [['db', 'history'], ''],
    [['trace', 'GET', '/api/tags'], `; it traces its own requests: ${server.url}/_gather/traces`],
    [['serve'], ''],
  ];
  for (const [args, instead] of cases) {
    const run = await runGather(args, { env: { ...env(), PORT: '0' } });
    assert.equal(run.code, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
    const output = `${run.stdout}${run.stderr}`;
    assert.match(
      output,
      new RegExp(`^gather: ${holder}${instead.replaceAll('/', '\\/')}\\n$`),
      args.join(' '),
    );
  }

  // The server never noticed: its data and its sequences are as they were.
  const list = await api('GET', '/api/articles');
  assert.equal(list.body.articlesCount, 1);
  const bob = await api('POST', '/api/users', {
    user: { username: 'bob', email: 'bob@example.com', password: 'password123' },
  });
  assert.equal(bob.status, 201);
  assert.equal((await api('GET', '/api/profiles/ann')).status, 200);
});

test('gather seed --url fills the running server through its API, once', { skip }, async () => {
  const seeded = await runGather(['seed', '--url', server.url], { env: env() });
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.match(seeded.stdout, /gather seed: seeded \(12 users, 60 articles, 240 comments\)/);
  const list = await api('GET', '/api/articles?limit=1');
  assert.equal(list.body.articlesCount, 61);
  const login = await api('POST', '/api/users/login', {
    user: { email: 'ada_lovelace1@example.com', password: 'password123' },
  });
  assert.equal(login.status, 200);
  const again = await runGather(['seed', '--url', server.url], { env: env() });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /gather seed: already seeded/);
  assert.equal((await api('GET', '/api/articles?limit=1')).body.articlesCount, 61);
});

test('after kill -9 the next start takes the folder over, with every row kept', { skip }, async () => {
  const killed = server;
  killed.kill('SIGKILL');
  await killed.exited();
  server = await startGather({ env: env() });
  assert.match(
    server.output(),
    new RegExp(
      `gather: ${dataDir} was held by gather serve \\(pid ${killed.pid}, .*\\), which is gone; taken over`,
    ),
  );
  assert.equal((await api('GET', '/api/articles?limit=1')).body.articlesCount, 61);
  assert.equal((await api('GET', '/api/profiles/bob')).status, 200);
});
