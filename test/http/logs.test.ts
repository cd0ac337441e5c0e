// What `gather serve` prints as a user starts it: one start-up banner (no "Server listening" line of
// Fastify's besides), then one log line per request: JSON objects when stdout is not a terminal (here, a
// pipe), one readable line each with LOG_FORMAT=pretty.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/settings.ts';
import { type ServerProcess, startGather } from '../../tools/harness/server-process.ts';
import { TEST_BUDGET_ENV, TEST_JWT_SECRET } from '../../tools/harness/test-app.ts';

const skip = process.env.DATABASE_URL ? 'runs in the PGlite pass (npm test)' : false;

const ENV = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  GATHER_DATA_DIR: 'memory://',
  JWT_SECRET: TEST_JWT_SECRET,
  ...TEST_BUDGET_ENV,
};

/** Three requests: a 200, a 404 and a 422 (each error answered by the error handler). */
async function sendThree(server: ServerProcess): Promise<void> {
  assert.equal((await fetch(`${server.url}/api/tags`)).status, 200);
  assert.equal((await fetch(`${server.url}/api/articles/no-such-article`)).status, 404);
  const register = await fetch(`${server.url}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { username: 'x' } }),
  });
  assert.equal(register.status, 422);
}

function assertOneBanner(output: string, url: string): void {
  assert.equal(output.match(/listening/gi)?.length, 1, output);
  assert.match(output, new RegExp(`gather: listening on ${url} \\(database: PGlite \\(in memory\\)\\)\\n`));
  assert.match(output, new RegExp(`  API +${url}/api\\n`));
  assert.match(output, new RegExp(`  Traces +${url}/_gather/traces\\n`));
}

test('LOG_FORMAT unset and stdout a pipe: one JSON line per request, with its fields', { skip }, async () => {
  const server = await startGather({ env: ENV });
  try {
    await sendThree(server);
    await server.waitFor(/"msg":"POST \/api\/users 422 /);
    const output = server.output();
    assertOneBanner(output, server.url);
    const logLines = output.split('\n').filter((line) => line.startsWith('{'));
    const requests = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      requests.map(({ method, url, statusCode }) => ({ method, url, statusCode })),
      [
        { method: 'GET', url: '/api/tags', statusCode: 200 },
        { method: 'GET', url: '/api/articles/no-such-article', statusCode: 404 },
        { method: 'POST', url: '/api/users', statusCode: 422 },
      ],
      'one line per request, nothing else',
    );
    for (const line of requests) {
      assert.equal(line.level, 30);
      assert.equal(typeof line.ms, 'number');
      assert.equal(typeof line.reqId, 'string');
      assert.equal(line.msg, `${line.method} ${line.url} ${line.statusCode} ${line.ms} ms`);
    }
  } finally {
    await server.stop();
  }
});

test('LOG_FORMAT=pretty: one readable line per request, no JSON', { skip }, async () => {
  const server = await startGather({ env: { ...ENV, LOG_FORMAT: 'pretty' } });
  try {
    await sendThree(server);
    await server.waitFor(/POST \/api\/users 422 /);
    const output = server.output();
    assertOneBanner(output, server.url);
    const logLines = output.split('\n').filter((line) => line.startsWith('['));
    const time = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;
    assert.equal(logLines.length, 3, output);
    assert.match(logLines[0]!, new RegExp(`^${time} INFO: GET /api/tags 200 \\d+(\\.\\d)? ms$`));
    assert.match(logLines[1]!, /INFO: GET \/api\/articles\/no-such-article 404 \d+(\.\d)? ms$/);
    assert.match(logLines[2]!, /INFO: POST \/api\/users 422 \d+(\.\d)? ms$/);
    assert.ok(!output.includes('{"'), output);
  } finally {
    await server.stop();
  }
});

test('LOG_FORMAT defaults to pretty only for a terminal outside production; anything else is refused', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: TEST_JWT_SECRET };
  assert.equal(loadConfig({}, true).logFormat, 'pretty');
  assert.equal(loadConfig({}, false).logFormat, 'json');
  assert.equal(loadConfig(production, true).logFormat, 'json');
  assert.equal(loadConfig({ ...production, LOG_FORMAT: 'pretty' }, false).logFormat, 'pretty');
  assert.equal(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat, 'json');
  assert.throws(() => loadConfig({ LOG_FORMAT: 'text' }), ConfigError);
  assert.throws(() => loadConfig({ LOG_FORMAT: 'text' }), /LOG_FORMAT must be pretty or json, got "text"/);
});
