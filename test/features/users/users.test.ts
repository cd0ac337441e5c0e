import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSigner } from 'fast-jwt';
import { call, registerUser, uniqueName } from '../../../tools/harness/factories.ts';
import { bootTestApp, TEST_JWT_SECRET, type TestApp } from '../../../tools/harness/test-app.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

const errorsOf = (body: { errors: { body: string[] } }) => body.errors.body.join(' | ');

describe('POST /api/users (register)', () => {
  test('201 with the User DTO and a token; the hash never leaves', async () => {
    const username = uniqueName();
    const response = await call(t.app, 'POST', '/api/users', {
      body: { user: { username, email: `${username}@x.io`, password: 'password123' } },
    });
    assert.equal(response.status, 201);
    assert.deepEqual(Object.keys(response.body.user).sort(), ['bio', 'email', 'image', 'token', 'username']);
    assert.equal(response.body.user.username, username);
    assert.equal(response.body.user.bio, null);
    assert.doesNotMatch(JSON.stringify(response.body), /scrypt|password/);
  });

  test('422 when the email or username is taken (emails case-insensitively)', async () => {
    const jake = await registerUser(t.app);
    const sameEmail = await call(t.app, 'POST', '/api/users', {
      body: { user: { username: uniqueName(), email: jake.email.toUpperCase(), password: 'password123' } },
    });
    assert.equal(sameEmail.status, 422);
    assert.match(errorsOf(sameEmail.body), /email has already been taken/);
    const sameName = await call(t.app, 'POST', '/api/users', {
      body: { user: { username: jake.username, email: `${uniqueName()}@x.io`, password: 'password123' } },
    });
    assert.equal(sameName.status, 422);
    assert.match(errorsOf(sameName.body), /username has already been taken/);
  });

  const bad: [string, unknown][] = [
    ['missing user', {}],
    ['missing email', { user: { username: 'a', password: 'password123' } }],
    ['empty username', { user: { username: '', email: 'a@b.io', password: 'password123' } }],
    ['email is a number', { user: { username: 'abc', email: 123, password: 'password123' } }],
    ['invalid email', { user: { username: 'abc', email: 'not-an-email', password: 'password123' } }],
    ['short password', { user: { username: 'abc', email: 'a@b.io', password: 'short' } }],
    ['username with a slash', { user: { username: 'a/b', email: 'a@b.io', password: 'password123' } }],
    ['user is an array', { user: [] }],
    ['body is a JSON string', 'hello'],
    ['body is null', null],
  ];
  for (const [name, body] of bad) {
    test(`422 in RealWorld format: ${name}`, async () => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      assert.equal(response.statusCode, 422, response.body);
      assert.ok(response.json().errors.body.length > 0);
    });
  }

  test('malformed JSON is a 422, an empty body a 422, a huge body a 413, other media a 415', async () => {
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/json' },
      payload: '{"user": {',
    });
    assert.equal(malformed.statusCode, 422);
    assert.match(malformed.json().errors.body[0], /not valid JSON/);
    const empty = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(empty.statusCode, 422);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user: { username: 'x'.repeat(2 * 1024 * 1024) } }),
    });
    assert.equal(huge.statusCode, 413);
    assert.ok(huge.json().errors.body.length > 0);
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: { 'content-type': 'application/xml' },
      payload: '<user/>',
    });
    assert.equal(text.statusCode, 415);
    assert.ok(text.json().errors.body.length > 0);
  });
});

describe('POST /api/users/login', () => {
  test('200 with a token that works', async () => {
    const jake = await registerUser(t.app);
    const login = await call(t.app, 'POST', '/api/users/login', {
      body: { user: { email: jake.email, password: jake.password } },
    });
    assert.equal(login.status, 200);
    const me = await call(t.app, 'GET', '/api/user', { token: login.body.user.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.username, jake.username);
  });

  test('401 for a wrong password or an unknown email, with the same message', async () => {
    const jake = await registerUser(t.app);
    const wrong = await call(t.app, 'POST', '/api/users/login', {
      body: { user: { email: jake.email, password: 'wrong-password' } },
    });
    const unknown = await call(t.app, 'POST', '/api/users/login', {
      body: { user: { email: 'nobody@x.io', password: 'password123' } },
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
  });

  test('422 when fields are missing', async () => {
    const response = await call(t.app, 'POST', '/api/users/login', { body: { user: { email: 'a@b.io' } } });
    assert.equal(response.status, 422);
  });
});

describe('GET and PUT /api/user', () => {
  test('401 without a token, with a garbage, malformed, wrongly signed or expired token', async () => {
    assert.equal((await call(t.app, 'GET', '/api/user')).status, 401);
    assert.equal((await call(t.app, 'GET', '/api/user', { token: 'garbage' })).status, 401);
    assert.equal(
      (await call(t.app, 'GET', '/api/user', { headers: { authorization: 'Basic abc' } })).status,
      401,
    );
    const otherKey = createSigner({ key: 'another-secret-another-secret-another-secret' })({ sub: '1' });
    assert.equal((await call(t.app, 'GET', '/api/user', { token: otherKey })).status, 401);
    const expired = createSigner({ key: TEST_JWT_SECRET, expiresIn: 1 })({ sub: '1', iat: 1_000 });
    const response = await call(t.app, 'GET', '/api/user', { token: expired });
    assert.equal(response.status, 401);
    assert.match(response.body.errors.body[0], /expired|invalid/);
  });

  test('PUT updates fields, changes the password, and 422s on an empty update or a taken username', async () => {
    const jake = await registerUser(t.app);
    const other = await registerUser(t.app);
    const updated = await call(t.app, 'PUT', '/api/user', {
      token: jake.token,
      body: {
        user: { bio: 'I like to skateboard', image: 'https://example.com/a.png', password: 'new-password-1' },
      },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.user.bio, 'I like to skateboard');
    assert.equal(updated.body.user.image, 'https://example.com/a.png');
    const oldLogin = await call(t.app, 'POST', '/api/users/login', {
      body: { user: { email: jake.email, password: jake.password } },
    });
    assert.equal(oldLogin.status, 401);
    const newLogin = await call(t.app, 'POST', '/api/users/login', {
      body: { user: { email: jake.email, password: 'new-password-1' } },
    });
    assert.equal(newLogin.status, 200);
    // The new password ended the session before it (test/features/users/sessions.test.ts); the answer's token goes on.
    const token: string = updated.body.user.token;

    assert.equal((await call(t.app, 'PUT', '/api/user', { token, body: { user: {} } })).status, 422);
    const taken = await call(t.app, 'PUT', '/api/user', {
      token,
      body: { user: { username: other.username } },
    });
    assert.equal(taken.status, 422);
    assert.match(errorsOf(taken.body), /username has already been taken/);
  });
});
