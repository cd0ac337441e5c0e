// `gather serve --workers N` as a user runs it: a child process, real sockets, real signals.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get, request } from 'node:http';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { freshDatabase } from '../helpers/app.ts';

const GATHER = new URL('../../bin/gather.js', import.meta.url).pathname;

type Server = {
  child: ChildProcess;
  output: () => string;
  waitFor(pattern: RegExp, count?: number): Promise<void>;
};

function startGather(args: string[], env: Record<string, string>): Server {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [GATHER, 'serve', ...args], {
    env: { ...inherited, NODE_ENV: 'test', LOG_LEVEL: 'warn', GATHER_TRACE: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return {
    child,
    output: () => output,
    waitFor: async (pattern, count = 1) => {
      const deadline = Date.now() + 60_000;
      while ((output.match(new RegExp(pattern, 'g')) ?? []).length < count) {
        assert.ok(child.exitCode === null, `gather exited early:\n${output}`);
        assert.ok(Date.now() < deadline, `timed out waiting for ${pattern}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** One request on a new connection (no keep-alive), so the cluster can hand each to any worker. */
function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** A registration (one scrypt hash, some tens of ms) on a new connection. */
function register(port: number, name: string): Promise<number> {
  const body = JSON.stringify({
    user: { username: name, email: `${name}@example.com`, password: 'drain-test-pw' },
  });
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/api/users', method: 'POST', agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', reject)
      .setHeader('content-type', 'application/json')
      .end(body);
  });
}

test('--workers 2 on PGlite is refused with one line that says to use PostgreSQL', async () => {
  const server = startGather(['--workers', '2'], { GATHER_DATA_DIR: 'memory://' });
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 1);
  assert.equal(
    server.output().trim(),
    'gather: invalid configuration: --workers 2 needs PostgreSQL: the embedded PGlite database belongs to ' +
      'one process; set DATABASE_URL=postgres://… or run one worker',
  );
});

test('--workers 2 on PostgreSQL: both serve, a killed worker is replaced, SIGTERM drains all', {
  skip: process.env.DATABASE_URL ? false : 'runs in the PostgreSQL pass (DATABASE_URL=… npm test)',
}, async () => {
  const { url, drop } = await freshDatabase();
  const port = await freePort();
  const server = startGather(['--workers', '2', '--migrate'], { DATABASE_URL: url!, PORT: String(port) });
  try {
    await server.waitFor(/listening on 127\.0\.0\.1/, 2);
    for (let i = 0; i < 20; i++) assert.equal((await fetchText(port, '/api/tags')).status, 200);
    const metrics = (await fetchText(port, '/metrics')).body;
    const perProcess = [...metrics.matchAll(/^gather_process_requests_total\{pid="(\d+)".*\} (\d+)$/gm)];
    assert.equal(perProcess.length, 2, metrics);
    assert.ok(
      perProcess.every(([, , count]) => Number(count) > 0),
      'each worker answered some requests',
    );

    const victim = Number(perProcess[0]![1]);
    process.kill(victim, 'SIGKILL');
    await server.waitFor(new RegExp(`pid ${victim}\\) died \\(signal SIGKILL\\); starting a replacement`));
    await server.waitFor(/listening on 127\.0\.0\.1/, 3);
    for (let i = 0; i < 5; i++) assert.equal((await fetchText(port, '/api/tags')).status, 200);

    // Graceful: requests in flight when SIGTERM arrives are answered. Hashes queue for a slot per worker,
    // so once the first registration is answered the others are still being served.
    const registrations = ['drain1', 'drain2', 'drain3', 'drain4'].map((name) => register(port, name));
    await Promise.race(registrations);
    server.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(registrations), [201, 201, 201, 201]);
    const [code] = await once(server.child, 'exit');
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /gather: stopped\n/);
  } finally {
    server.child.kill('SIGKILL');
    await drop();
  }
});
