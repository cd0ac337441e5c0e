// Security: headers, rate limits, token checks, production configuration and error bodies.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSigner } from 'fast-jwt';
import { buildApp } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { SCRYPT_PARAMS } from '../../src/features/users/password.ts';
import { buildTestApp, freshDatabase, TEST_JWT_SECRET, type TestApp } from '../helpers/app.ts';
import { call, registerUser, type TestUser } from '../helpers/factories.ts';

let t: TestApp;
let jake: TestUser;
before(async () => {
  t = await buildTestApp();
  jake = await registerUser(t.app);
});
after(() => t.close());

const isRealWorldError = (body: unknown) =>
  Array.isArray((body as { errors?: { body?: unknown } })?.errors?.body);

describe('security headers', () => {
  test('API responses carry helmet headers and a strict CSP', async () => {
    const response = await call(t.app, 'GET', '/api/tags');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /object-src 'none'/);
  });

  test('Swagger UI at /docs only loads same-origin scripts, which the CSP allows', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    const scripts = [...page.body.matchAll(/<script([^>]*)>([^<]*)<\/script>/g)];
    assert.ok(scripts.length > 0);
    for (const [, attributes, inline] of scripts) {
      const src = /src="([^"]+)"/.exec(attributes ?? '')?.[1];
      assert.ok(src !== undefined && !/^[a-z]+:/i.test(src), `script ${src} must be same-origin`);
      assert.equal(inline?.trim(), '', 'no inline script (CSP forbids it)');
      const asset = await t.app.inject({ method: 'GET', url: new URL(src, 'http://x/docs/').pathname });
      assert.equal(asset.statusCode, 200, src);
    }
  });
});

describe('rate limits on registration and login', () => {
  let limited: TestApp;
  before(async () => {
    limited = await buildTestApp({ RATE_LIMIT_AUTH_MAX: '3' });
  });
  after(() => limited.close());

  test('the 4th login attempt within the window gets 429 in RealWorld form', async () => {
    const login = { user: { email: 'nobody@example.com', password: 'wrong-password' } };
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(await call(limited.app, 'POST', '/api/users/login', { body: login }));
    assert.deepEqual(
      statuses.map((r) => r.status),
      [401, 401, 401, 429],
    );
    const refused = statuses[3]!;
    assert.ok(isRealWorldError(refused.body));
    assert.match(refused.body.errors.body[0], /too many attempts/);
    assert.ok(Number(refused.headers['retry-after']) > 0);
  });

  test('registration has its own counter; other routes are not limited', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const body = { user: { username: '', email: 'x', password: '' } };
      statuses.push((await call(limited.app, 'POST', '/api/users', { body })).status);
    }
    assert.deepEqual(statuses, [422, 422, 422, 429]);
    for (let i = 0; i < 5; i++) assert.equal((await call(limited.app, 'GET', '/api/tags')).status, 200);
  });
});

describe('tokens', () => {
  const sub = () => String(JSON.parse(Buffer.from(jake.token.split('.')[1]!, 'base64url').toString()).sub);

  test('a valid token works', async () => {
    assert.equal((await call(t.app, 'GET', '/api/user', { token: jake.token })).status, 200);
  });

  const cases: [string, () => string][] = [
    [
      'expired',
      () => createSigner({ key: TEST_JWT_SECRET, expiresIn: 1, clockTimestamp: 1 })({ sub: sub() }),
    ],
    ['alg none', () => createSigner({ algorithm: 'none' })({ sub: sub() })],
    [
      'signed with another key',
      () => createSigner({ key: 'x'.repeat(40), expiresIn: 60_000 })({ sub: sub() }),
    ],
    [
      'HS512 with the right key',
      () => createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS512' })({ sub: sub() }),
    ],
    ['signature cut off', () => jake.token.split('.').slice(0, 2).join('.')],
    [
      'payload tampered',
      () => {
        const [header, , signature] = jake.token.split('.');
        const payload = Buffer.from(JSON.stringify({ sub: '999', iat: 1 })).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['garbage', () => 'not-a-jwt'],
  ];
  for (const [name, make] of cases) {
    test(`a token ${name} gets 401`, async () => {
      const response = await call(t.app, 'GET', '/api/user', { token: make() });
      assert.equal(response.status, 401);
      assert.ok(isRealWorldError(response.body));
    });
  }

  test('an expired token says so', async () => {
    const token = createSigner({ key: TEST_JWT_SECRET, expiresIn: 1, clockTimestamp: 1 })({ sub: sub() });
    const response = await call(t.app, 'GET', '/api/user', { token });
    assert.deepEqual(response.body.errors.body, ['token has expired']);
  });
});

describe('production configuration', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 's'.repeat(40) };

  test('JWT_SECRET is mandatory in production, and must be long', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), ConfigError);
    assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' }), ConfigError);
    assert.equal(loadConfig(production).production, true);
  });

  test('rate-limit settings are validated', () => {
    assert.throws(() => loadConfig({ RATE_LIMIT_AUTH_MAX: '0' }), /RATE_LIMIT_AUTH_MAX/);
    assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL/);
    assert.equal(loadConfig({}).rateLimitAuthMax, 10);
  });

  test('passwords use scrypt with a cost of at least 2^14', () => {
    assert.ok(SCRYPT_PARAMS.N >= 2 ** 14 && SCRYPT_PARAMS.r >= 8);
  });

  test('traces are off in production unless GATHER_TRACE=1', async () => {
    assert.equal(loadConfig(production).trace, false);
    assert.equal(loadConfig({ ...production, GATHER_TRACE: '1' }).trace, true);
    const { database, drop } = await freshDatabase();
    const config = loadConfig({ ...production, LOG_LEVEL: 'silent' });
    const app = await buildApp({ config, database, jwtSecret: TEST_JWT_SECRET });
    try {
      for (const url of ['/_gather/traces', '/_gather/traces/latest']) {
        const response = await app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 404, url);
        assert.equal(response.headers['x-trace-id'], undefined);
      }
    } finally {
      await app.close();
      await drop();
    }
  });

  test('an unexpected error or a database error shows no stack, SQL or message', async () => {
    const { database, drop } = await freshDatabase();
    const config = loadConfig({ ...production, LOG_LEVEL: 'silent' });
    const app = await buildApp({ config, database, jwtSecret: TEST_JWT_SECRET });
    app.get('/boom', async () => {
      throw new Error('select * from users where password_hash = $1 at /work/src/x.ts:12');
    });
    try {
      const boom = await app.inject({ method: 'GET', url: '/boom' });
      assert.equal(boom.statusCode, 500);
      assert.deepEqual(boom.json(), { errors: { body: ['internal server error'] } });
      // The database has no tables (never migrated): the SQL error must not leak either.
      const missing = await app.inject({ method: 'GET', url: '/api/tags' });
      assert.equal(missing.statusCode, 500);
      assert.doesNotMatch(missing.body, /relation|select|from|\.ts:/i);
    } finally {
      await app.close();
      await drop();
    }
  });
});
