// `gather trace` as a user runs it: a child process on its own database (a fresh PGlite folder, or a fresh
// migrated PostgreSQL database when DATABASE_URL is set), its diagram read back by Mermaid's parser.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import { upgrade } from '../../src/db/migrate/runner.ts';
import { type GatherRun, runGather } from '../../tools/harness/server-process.ts';
import { freshDatabase, TEST_JWT_SECRET } from '../../tools/harness/test-app.ts';
import { skipWithoutChromium } from '../helpers/chromium.ts';
import { gatherInProcess } from '../helpers/cli.ts';
import { mermaidBlocks, parseSequence } from '../helpers/parse-diagram.ts';

let dataDir: string;
let env: NodeJS.ProcessEnv;
let dropDatabase: () => Promise<void> = async () => {};

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gather-trace-cli-'));
  // GATHER_TRACE unset: the command turns tracing on itself.
  env = {
    NODE_ENV: 'development',
    GATHER_DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    GATHER_TRACE: undefined,
  };
  if (process.env.DATABASE_URL) {
    const fresh = await freshDatabase();
    await upgrade(fresh.database, await loadMigrations());
    env.DATABASE_URL = fresh.url;
    dropDatabase = fresh.drop;
  }
});
after(async () => {
  await dropDatabase();
  await rm(dataDir, { recursive: true, force: true });
});

const gatherTrace = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<GatherRun> =>
  runGather(['trace', ...args], { env: { ...env, ...extraEnv } });

test('POST with --data, then GET with --token: each prints the diagram of its request', async () => {
  const user = { username: 'clitracer', email: 'clitracer@example.com', password: 'password123' };
  const register = await gatherTrace(['POST', '/api/users', '--data', JSON.stringify({ user })]);
  assert.equal(register.code, 0, register.stderr);
  // A write is sent once: a read warms up before it.
  assert.match(
    register.stderr,
    /^gather trace: warmed up with GET \/api\/articles\?limit=1 first \(\d+ ms, not shown;/,
  );
  assert.match(register.stderr, /POST \/api\/users → 201\n/);
  const written = await parseSequence(register.stdout);
  // Register hashes the password (the hash pool) before it inserts the user (the database).
  assert.deepEqual(written.actors, ['Client', 'Gather', 'Hash_pool', 'Database']);
  const calls = written.statements.filter((s) => s.type === 'call').map((s) => s.text);
  assert.equal(calls[0], 'POST /api/users');
  assert.match(calls[1] ?? '', /^scrypt N=16384/);
  assert.ok(
    calls.some((text) => text.startsWith('insert into users')),
    calls.join('\n'),
  );
  assert.ok(!register.stdout.includes(user.email), 'no parameter values in the diagram');

  const token = /"token": "([^"]+)"/.exec(register.stderr)?.[1];
  assert.ok(token, 'the response, with its token, is on stderr');
  // Tracing is on for the command whatever the environment says.
  const me = await gatherTrace(['get', '/api/user', '--token', token], { GATHER_TRACE: '0' });
  assert.equal(me.code, 0, me.stderr);
  // A GET is sent twice; the diagram is of the second.
  assert.match(me.stderr, /^gather trace: warmed up with GET \/api\/user first \(\d+ ms, not shown;/);
  // The body as a person reads it: JSON indented by two spaces, after the status line.
  const body = me.stderr.split('GET /api/user → 200\n')[1] ?? '';
  assert.equal(body, `${JSON.stringify(JSON.parse(body), null, 2)}\n`);
  assert.match(body, /^\{\n {2}"user": \{\n {4}"email": "clitracer@example.com",\n/);
  assert.match(body, /\n {4}"username": "clitracer",\n/);
  const read = await parseSequence(me.stdout);
  const replies = read.statements.filter((s) => s.type === 'reply').map((s) => `${s.from}: ${s.text}`);
  assert.equal(replies.at(-1), 'Gather: 200');
  assert.ok(replies.includes('Database: 1 row'), 'the reply names the rows returned');
  // The measured durations are notes (the committed docs leave them out; this command does not).
  assert.ok(read.statements.some((s) => s.type === 'note' && / ms in total$/.test(s.text)));
});

test('--no-warm-up traces the first request of the process, and says nothing of a warm-up', async () => {
  const run = await gatherTrace(['GET', '/api/tags', '--no-warm-up']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, 'gather trace: GET /api/tags → 200\n{\n  "tags": []\n}\n');
  const { statements } = await parseSequence(run.stdout);
  assert.equal(statements.find((s) => s.type === 'call')?.text, 'GET /api/tags');
});

test('--format md prints a Markdown section whose diagram Mermaid parses; a 4xx is still drawn', async () => {
  const run = await gatherTrace(['GET', '/api/articles/no-such-article/comments', '--format', 'md']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /→ 404\n\{\n {2}"errors": \{\n {4}"body": \[\n {6}"article not found"\n {4}\]\n {2}\}\n\}\n$/,
  );
  assert.ok(run.stdout.startsWith('`GET /api/articles/no-such-article/comments` → 404, '));
  const [diagram, ...others] = mermaidBlocks(run.stdout);
  assert.equal(others.length, 0);
  const { statements } = await parseSequence(diagram!);
  assert.equal(statements.filter((s) => s.type === 'reply').at(-1)?.text, '404');
});

test('--format svg prints the diagram drawn by Mermaid in headless Chromium', {
  skip: skipWithoutChromium,
}, async () => {
  const run = await gatherTrace(['GET', '/api/tags', '--format', 'svg']);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.startsWith('<svg'), run.stdout.slice(0, 200));
  assert.ok(run.stdout.includes('GET /api/tags'));
  assert.ok(run.stdout.includes('messageLine0') && run.stdout.includes('messageLine1'), 'calls and replies');
});

test('bad command lines are refused with one line that says what is wrong', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['FETCH', '/api/tags'],
      /'FETCH' is invalid for argument 'METHOD'\. METHOD must be one of GET, POST, PUT, DELETE/,
    ],
    [['GET', 'api/tags'], /'api\/tags' is invalid for argument 'PATH'\. PATH must start with \//],
    [['GET'], /missing required argument 'PATH'/],
    [['GET', '/api/tags', '--format', 'png'], /argument 'png' is invalid\. Allowed choices are mmd, md, svg/],
    [['POST', '/api/users', '--data', '{user:'], /argument '\{user:' is invalid\. not JSON: /],
  ];
  for (const [args, message] of cases) {
    const run = await gatherInProcess(['trace', ...args]);
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.err, message);
    assert.match(run.err, /^gather trace: .*\(see gather trace --help\)\n$/);
  }
});

test('--format svg is dev-time: a production install refuses it in one line', async () => {
  const run = await gatherInProcess(['trace', 'GET', '/api/tags', '--format', 'svg'], { production: true });
  assert.equal(run.code, 1);
  assert.match(run.err, /^gather: gather trace --format svg is a dev-time command: it needs playwright-core/);
  assert.equal(run.err.split('\n').length, 2, 'one line');
});

test('a refused command line exits 2 before opening any database', async () => {
  const run = await gatherTrace(['GET', 'api/tags'], { DATABASE_URL: 'postgres://nowhere.invalid/x' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^gather trace: .*PATH must start with \/ \(see gather trace --help\)\n$/);
  assert.equal(run.stdout, '');
});
