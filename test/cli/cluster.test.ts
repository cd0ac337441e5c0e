// `gather serve --workers N` as a user runs it: a child process, real sockets, real signals.
import assert from 'node:assert/strict';
import { get, request } from 'node:http';
import { test } from 'node:test';
import { startGather } from '../../tools/harness/server-process.ts';
import { freshDatabase, TEST_BUDGET_ENV } from '../../tools/harness/test-app.ts';

/** What every start here runs with, on top of the test's own variables. */
const ENV = { NODE_ENV: 'test', LOG_LEVEL: 'warn', GATHER_TRACE: '0', ...TEST_BUDGET_ENV };

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

test('--workers 2 on PGlite is refused with one line that says to use PostgreSQL', async (t) => {
  const server = await startGather({
    workers: 2,
    env: { ...ENV, GATHER_DATA_DIR: 'memory://' },
    waitForListening: false,
  });
  t.after(() => server.stop());
  const { code } = await server.exited();
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
  const server = await startGather({ workers: 2, args: ['--migrate'], env: { ...ENV, DATABASE_URL: url! } });
  const { port } = server;
  try {
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
    // One banner, printed by the primary once both workers listened, not again for the replacement.
    const banners = server
      .output()
      .match(/gather: listening on http:\/\/127\.0\.0\.1:(\d+) \(database: PostgreSQL/g);
    assert.deepEqual(banners, [`gather: listening on http://127.0.0.1:${port} (database: PostgreSQL`]);
    assert.match(server.output(), new RegExp(`\n  API +http://127.0.0.1:${port}/api\n`));
    for (let i = 0; i < 5; i++) assert.equal((await fetchText(port, '/api/tags')).status, 200);

    // Graceful: requests in flight when SIGTERM arrives are answered. Hashes queue for a slot per worker,
    // so once the first registration is answered the others are still being served.
    const registrations = ['drain1', 'drain2', 'drain3', 'drain4'].map((name) => register(port, name));
    await Promise.race(registrations);
    server.kill('SIGTERM');
    assert.deepEqual(await Promise.all(registrations), [201, 201, 201, 201]);
    const { code } = await server.exited();
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /gather: stopped\n/);
  } finally {
    await server.stop();
    await drop();
  }
});
