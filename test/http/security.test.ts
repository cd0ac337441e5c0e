// Security: headers, token checks, production configuration and error bodies (the abuse controls of
// registration and login: abuse-controls.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSigner } from 'fast-jwt';
import { assembleApp } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { inArray } from '../../src/db/orm.ts';
import { users } from '../../src/db/schema/index.ts';
import { SCRYPT_PARAMS } from '../../src/features/users/password.ts';
import { ConfigError } from '../../src/settings.ts';
import { call, registerUser, type TestUser } from '../../tools/harness/factories.ts';
import { bootTestApp, freshDatabase, TEST_JWT_SECRET, type TestApp } from '../../tools/harness/test-app.ts';

let t: TestApp;
let jake: TestUser;
before(async () => {
  t = await bootTestApp();
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

  test('passwords use scrypt with a cost of at least 2^14', () => {
    assert.ok(SCRYPT_PARAMS.N >= 2 ** 14 && SCRYPT_PARAMS.r >= 8);
  });

  test('a stored password is scrypt$N$r$p$salt$hash with its own salt, never the password', async () => {
    const twin = await registerUser(t.app, { password: jake.password });
    const rows = await t.database.db
      .select({ hash: users.passwordHash })
      .from(users)
      .where(inArray(users.username, [jake.username, twin.username]));
    assert.equal(rows.length, 2);
    const { N, r, p } = SCRYPT_PARAMS;
    for (const { hash } of rows) {
      assert.match(
        hash,
        new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9+/=]{24}\\$[A-Za-z0-9+/=]{44}$`),
      );
      assert.ok(!hash.includes(jake.password));
    }
    assert.notEqual(rows[0]!.hash, rows[1]!.hash, 'one salt per password');
  });

  test('traces are off in production unless GATHER_TRACE=1', async () => {
    assert.equal(loadConfig(production).gatherTrace, false);
    assert.equal(loadConfig({ ...production, GATHER_TRACE: '1' }).gatherTrace, true);
    const { database, drop } = await freshDatabase();
    const config = loadConfig({ ...production, LOG_LEVEL: 'silent' });
    const app = await assembleApp(config, database);
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

  test('GATHER_TRACE=1 turns traces on in production, explicitly', async () => {
    const { database, drop } = await freshDatabase();
    const config = loadConfig({ ...production, GATHER_TRACE: '1', LOG_LEVEL: 'silent' });
    const app = await assembleApp(config, database);
    try {
      const response = await app.inject({ method: 'GET', url: '/_gather/traces' });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /text\/html/);
    } finally {
      await app.close();
      await drop();
    }
  });

  test('an unexpected error or a database error shows no stack, SQL or message', async () => {
    const { database, drop } = await freshDatabase();
    const config = loadConfig({ ...production, LOG_LEVEL: 'silent' });
    const app = await assembleApp(config, database);
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
