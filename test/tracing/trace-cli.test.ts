// `gather trace` as a user runs it: a child process on its own database (a fresh PGlite folder, or a fresh
// migrated PostgreSQL database when DATABASE_URL is set), its diagram read back by Mermaid's parser.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseTraceArgs } from '../../src/cli/trace.ts';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import { upgrade } from '../../src/db/migrate/runner.ts';
import { freshDatabase, TEST_JWT_SECRET } from '../../tools/harness/test-app.ts';
import { skipWithoutChromium } from '../helpers/chromium.ts';
import { mermaidBlocks, parseSequence } from './parse-diagram.ts';

const GATHER = fileURLToPath(new URL('../../bin/gather.js', import.meta.url));

let dataDir: string;
let env: NodeJS.ProcessEnv;
let dropDatabase: () => Promise<void> = async () => {};

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gather-trace-cli-'));
  env = { ...process.env, NODE_ENV: 'development', GATHER_DATA_DIR: dataDir, JWT_SECRET: TEST_JWT_SECRET };
  delete env.GATHER_TRACE;
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

type Run = { code: number; stdout: string; stderr: string };

function gatherTrace(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [GATHER, 'trace', ...args],
      { env: { ...env, ...extraEnv }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('POST with --data, then GET with --token: each prints the diagram of its request', async () => {
  const user = { username: 'clitracer', email: 'clitracer@example.com', password: 'password123' };
  const register = await gatherTrace(['POST', '/api/users', '--data', JSON.stringify({ user })]);
  assert.equal(register.code, 0, register.stderr);
  assert.match(register.stderr, /POST \/api\/users → 201 /);
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

  const token = /"token":"([^"]+)"/.exec(register.stderr)?.[1];
  assert.ok(token, 'the response, with its token, is on stderr');
  // Tracing is on for the command whatever the environment says.
  const me = await gatherTrace(['get', '/api/user', '--token', token], { GATHER_TRACE: '0' });
  assert.equal(me.code, 0, me.stderr);
  assert.match(me.stderr, /GET \/api\/user → 200 .*"username":"clitracer"/);
  const read = await parseSequence(me.stdout);
  const replies = read.statements.filter((s) => s.type === 'reply').map((s) => `${s.from}: ${s.text}`);
  assert.equal(replies.at(-1), 'Gather: 200');
  assert.ok(replies.includes('Database: result'));
  // The measured durations are notes (the committed docs leave them out; this command does not).
  assert.ok(read.statements.some((s) => s.type === 'note' && / ms in total$/.test(s.text)));
});

test('--format md prints a Markdown section whose diagram Mermaid parses; a 4xx is still drawn', async () => {
  const run = await gatherTrace(['GET', '/api/articles/no-such-article/comments', '--format', 'md']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /→ 404 \{"errors":\{"body":\["article not found"\]\}\}/);
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

test('bad command lines are refused with one line that says what is wrong', () => {
  const cases: [string[], string][] = [
    [['FETCH', '/api/tags'], 'METHOD must be one of GET, POST, PUT, DELETE, got "FETCH"'],
    [['GET', 'api/tags'], 'PATH must start with /, got "api/tags"'],
    [['GET'], 'expected a METHOD and a PATH'],
    [['GET', '/api/tags', '--format', 'png'], '--format must be one of mmd, md, svg, got "png"'],
  ];
  for (const [args, message] of cases) assert.equal(parseTraceArgs(args), message);
  assert.match(String(parseTraceArgs(['POST', '/api/users', '--data', '{user:'])), /^--data is not JSON: /);
  assert.deepEqual(parseTraceArgs(['put', '/api/user', '--token', 't', '--data', '{"user":{}}']), {
    method: 'PUT',
    path: '/api/user',
    format: 'mmd',
    token: 't',
    body: { user: {} },
  });
});

test('a refused command line exits 2 before opening any database', async () => {
  const run = await gatherTrace(['GET', 'api/tags'], { DATABASE_URL: 'postgres://nowhere.invalid/x' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^gather trace: PATH must start with \/, got "api\/tags"\n\nUsage: gather trace/);
  assert.equal(run.stdout, '');
});
