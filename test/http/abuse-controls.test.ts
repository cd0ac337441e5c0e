// Abuse controls of registration and login (docs/reliability.md, "Abuse controls"): failed logins are
// limited per address, per account and address, and per account from unknown devices, successful ones are
// not counted; a device that signed in before is judged by its own failures only; registrations are limited
// per address; X-Forwarded-For counts only from a trusted proxy (TRUST_PROXY). Then the same with the counters
// in Redis, shared by two instances, and a Redis outage that locks no one out.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { RATE_LIMIT_NAMESPACE } from '../../src/http/security.ts';
import { call, registerUser, type TestUser, uniqueName } from '../../tools/harness/factories.ts';
import { privateRedis } from '../../tools/harness/private-redis.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

/** The test apps raise every limit; an empty value puts the default back. */
const DEFAULT_LIMITS = {
  LOGIN_FAILURES_PER_ACCOUNT: '',
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: '',
  LOGIN_FAILURES_PER_ADDRESS: '',
  REGISTRATIONS_PER_ADDRESS: '',
};

/**
 * A login, from the address `from` when given (X-Forwarded-For, which only a trusted proxy may set), and with
 * the device cookie `device` when given.
 */
function login(app: FastifyInstance, email: string, password: string, from?: string, device?: string) {
  return call(app, 'POST', '/api/users/login', {
    body: { user: { email, password } },
    headers: {
      ...(from !== undefined && { 'x-forwarded-for': from }),
      ...(device !== undefined && { cookie: device }),
    },
  });
}

/** The device cookie a successful login set, as a browser sends it back. */
function deviceCookie(response: Awaited<ReturnType<typeof call>>): string {
  const header = String(response.headers['set-cookie']);
  assert.match(
    header,
    /^gather_device=[^;]+; Max-Age=7776000; Path=\/api\/users\/login; HttpOnly; SameSite=Strict$/,
  );
  return header.split(';')[0]!;
}

function newUser() {
  const username = uniqueName();
  return { username, email: `${username}@example.com`, password: 'password123' };
}

function register(app: FastifyInstance, from: string, user = newUser()) {
  return call(app, 'POST', '/api/users', { body: { user }, headers: { 'x-forwarded-for': from } });
}

/** A forged X-Forwarded-For: a random address of 198.18.0.0/15. */
const forged = () => `198.18.${randomInt(0, 256)}.${randomInt(1, 255)}`;

function assertRefused(response: Awaited<ReturnType<typeof call>>, message: RegExp, maxSeconds: number) {
  assert.equal(response.status, 429);
  assert.equal(response.body.errors.body.length, 1);
  assert.match(response.body.errors.body[0], message);
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(retryAfter >= 1 && retryAfter <= maxSeconds, `Retry-After ${retryAfter}`);
}

describe('at the default limits, counters in memory', () => {
  let t: TestApp;
  const office: TestUser[] = [];
  before(async () => {
    t = await bootTestApp(DEFAULT_LIMITS);
  });
  after(() => t.close());

  test('50 users behind one address register, then all log in: successes are not counted', async () => {
    for (let i = 0; i < 50; i++) office.push(await registerUser(t.app));
    const statuses = [];
    for (const user of office) statuses.push((await login(t.app, user.email, user.password)).status);
    assert.deepEqual(statuses, Array(50).fill(200));
  });

  test('the 11th wrong password for one account from one address gets 429, the right one too; the others still log in', async () => {
    const [victim, ...colleagues] = office;
    for (let i = 0; i < 10; i++)
      assert.equal((await login(t.app, victim!.email, 'wrong-password')).status, 401);
    const eleventh = await login(t.app, victim!.email, 'wrong-password');
    assertRefused(
      eleventh,
      /^too many failed logins for this account from this address, try again in 1[45] minutes$/,
      900,
    );
    // The right password gets the same answer: the 429 does not tell a guess was right.
    const right = await login(t.app, victim!.email.toUpperCase(), victim!.password);
    assert.equal(right.status, 429);
    assert.deepEqual(right.body, eleventh.body);
    for (const user of colleagues.slice(0, 10)) {
      assert.equal((await login(t.app, user.email, user.password)).status, 200);
    }
  });

  test('a successful login clears its account failures', async () => {
    const user = office[1]!;
    const statuses = [];
    for (let i = 0; i < 9; i++) statuses.push((await login(t.app, user.email, 'wrong-password')).status);
    statuses.push((await login(t.app, user.email, user.password)).status);
    for (let i = 0; i < 10; i++) statuses.push((await login(t.app, user.email, 'wrong-password')).status);
    assert.deepEqual(statuses, [...Array(9).fill(401), 200, ...Array(10).fill(401)]);
    assert.equal((await login(t.app, user.email, user.password)).status, 429);
  });
});

describe('a stranger cannot lock the owner out (TRUST_PROXY: each forwarded address is a client)', () => {
  let t: TestApp;
  before(async () => {
    t = await bootTestApp({
      ...DEFAULT_LIMITS,
      TRUST_PROXY: '127.0.0.1',
      LOGIN_FAILURES_PER_ACCOUNT: '20/1h',
      LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: '3/15m',
    });
  });
  after(() => t.close());

  test('thirty wrong passwords from one address: the owner signs in from another', async () => {
    const owner = await registerUser(t.app);
    const statuses = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await login(t.app, owner.email, 'guess', '198.51.100.20')).status);
    assert.deepEqual(statuses, [...Array(3).fill(401), ...Array(27).fill(429)]);
    assert.equal((await login(t.app, owner.email, owner.password, '198.51.100.21')).status, 200);
  });

  test("guesses from many addresses reach the account ceiling: unknown devices wait, the owner's device signs in", async () => {
    const owner = await registerUser(t.app);
    const device = deviceCookie(await login(t.app, owner.email, owner.password, '198.51.100.30'));
    const statuses = [];
    for (let i = 0; i < 21; i++) statuses.push((await login(t.app, owner.email, 'guess', forged())).status);
    assert.deepEqual(statuses, [...Array(20).fill(401), 429]);
    const stranger = await login(t.app, owner.email, owner.password, forged());
    assertRefused(
      stranger,
      /^too many failed logins for this account from devices it was not signed in on, try again in (60|59) minutes$/,
      3600,
    );
    // The owner's device, from its own address or any other.
    for (const from of ['198.51.100.30', forged()]) {
      const known = await login(t.app, owner.email, owner.password, from, device);
      assert.equal(known.status, 200);
      deviceCookie(known);
    }
  });

  test("a device's own typos are limited; past them it counts as unknown; a cookie of another account is no help", async () => {
    const owner = await registerUser(t.app);
    const other = await registerUser(t.app);
    const device = deviceCookie(await login(t.app, owner.email, owner.password, '198.51.100.40'));
    // Someone else's cookie: the login counts as an unknown device's, so its address's tight limit applies.
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await login(t.app, other.email, 'guess', '198.51.100.41', device)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    // A stolen cookie: the device's 3 failures, then the address's 3 for an unknown device, then refused.
    const stolen = [];
    for (let i = 0; i < 7; i++)
      stolen.push((await login(t.app, owner.email, 'guess', '198.51.100.42', device)).status);
    assert.deepEqual(stolen, [401, 401, 401, 401, 401, 401, 429]);
    const refused = await login(t.app, owner.email, 'guess', '198.51.100.42', device);
    assert.match(refused.body.errors.body[0], /for this account from this address/);
  });

  test('a forged or expired device cookie is an unknown device', async () => {
    const owner = await registerUser(t.app);
    const device = deviceCookie(await login(t.app, owner.email, owner.password, '198.51.100.50'));
    const forgedCookie = `${device.slice(0, -4)}AAAA`;
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await login(t.app, owner.email, 'guess', '198.51.100.51', forgedCookie)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });
});

describe('limits per address', () => {
  const limits = { LOGIN_FAILURES_PER_ADDRESS: '3/1m', REGISTRATIONS_PER_ADDRESS: '3/1h' };

  describe('without TRUST_PROXY: the socket address counts, X-Forwarded-For is ignored', () => {
    let t: TestApp;
    before(async () => {
      t = await bootTestApp(limits);
    });
    after(() => t.close());

    test('the 4th failed login from one address gets 429, whatever the emails and forwarded addresses', async () => {
      for (let i = 0; i < 3; i++) {
        const response = await login(t.app, `${uniqueName()}@example.com`, 'wrong-password', forged());
        assert.equal(response.status, 401);
      }
      const fourth = await login(t.app, `${uniqueName()}@example.com`, 'wrong-password', forged());
      assertRefused(fourth, /^too many failed logins from this address, try again in \d+ seconds$/, 60);
    });
  });

  describe('with TRUST_PROXY set to the proxy: each forwarded address is limited on its own', () => {
    let t: TestApp;
    before(async () => {
      // app.inject() connects from 127.0.0.1: the test is the proxy.
      t = await bootTestApp({ ...limits, TRUST_PROXY: '127.0.0.1' });
    });
    after(() => t.close());

    test('failed logins: the 4th from one forwarded address gets 429, another address goes on', async () => {
      const email = `${uniqueName()}@example.com`;
      for (let i = 0; i < 3; i++)
        assert.equal((await login(t.app, email, 'wrong', '198.51.100.1')).status, 401);
      assert.equal((await login(t.app, email, 'wrong', '198.51.100.1')).status, 429);
      assert.equal((await login(t.app, email, 'wrong', '198.51.100.2')).status, 401);
    });

    test('X-Forwarded-For from a peer that is not the trusted proxy is ignored', async () => {
      const fromElsewhere = (forwarded: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/users/login',
          remoteAddress: '192.0.2.9',
          headers: { 'x-forwarded-for': forwarded },
          payload: { user: { email: `${uniqueName()}@example.com`, password: 'wrong' } },
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fromElsewhere(forged())).statusCode);
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    });

    test('registrations: the 4th from one address gets 429; another address and logins go on', async () => {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await register(t.app, '198.51.100.3')).status);
      assert.deepEqual(statuses, [201, 201, 201, 429]);
      const refused = await register(t.app, '198.51.100.3');
      assertRefused(
        refused,
        /^too many registrations from this address, try again in (1 hour|60 minutes)$/,
        3600,
      );
      const other = await register(t.app, '198.51.100.4');
      assert.equal(other.status, 201);
      const { email } = other.body.user;
      assert.equal((await login(t.app, email, 'password123', '198.51.100.3')).status, 200);
    });
  });
});

const redis = await privateRedis();

describe('counters in Redis (REDIS_URL): two instances count together', {
  skip: redis === undefined && 'no Redis at REDIS_URL or 127.0.0.1:6379',
}, () => {
  let a: TestApp;
  let b: TestApp;
  // Addresses of this run only (TEST-NET-3): other test files may use the same Redis database at once.
  const first = randomInt(1, 250);
  const [office, newcomers, setupA, setupB] = [0, 1, 2, 3].map((i) => `203.0.113.${first + i}`);
  const [victim, colleague] = [newUser(), newUser()];
  before(async () => {
    const env = {
      ...DEFAULT_LIMITS,
      REDIS_URL: redis!.url,
      TRUST_PROXY: '127.0.0.1',
      REGISTRATIONS_PER_ADDRESS: '3/1h',
    };
    [a, b] = await Promise.all([bootTestApp(env), bootTestApp(env)]);
    // Each instance has a database of its own here: the two users are registered on both.
    for (const user of [victim, colleague]) {
      assert.equal((await register(a.app, setupA!, user)).status, 201);
      assert.equal((await register(b.app, setupB!, user)).status, 201);
    }
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    const keys = [
      ...[victim, colleague].flatMap((user) => [
        `login-account-${user.email}`,
        `login-account-and-address-${user.email} ${office}`,
      ]),
      ...[office, newcomers, setupA, setupB].flatMap((address) => [
        `login-address-${address}`,
        `POST/api/users-${address}`,
      ]),
    ];
    await redis!.redis.del(...keys.map((key) => `${RATE_LIMIT_NAMESPACE}${key}`));
    redis!.redis.disconnect();
  });

  test('wrong passwords alternating between the instances: the 11th gets 429 on both; others log in', async () => {
    const statuses = [];
    for (let i = 0; i < 11; i++) {
      const app = i % 2 === 0 ? a.app : b.app;
      statuses.push((await login(app, victim.email, 'wrong-password', office)).status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(401), 429]);
    for (const app of [a.app, b.app]) {
      assert.equal((await login(app, victim.email, victim.password, office)).status, 429);
      assert.equal((await login(app, colleague.email, colleague.password, office)).status, 200);
    }
  });

  test('registrations alternating between the instances: the 4th from one address gets 429', async () => {
    const statuses = [];
    for (const app of [a, b, a, b]) statuses.push((await register(app.app, newcomers!)).status);
    assert.deepEqual(statuses, [201, 201, 201, 429]);
  });
});

describe('a Redis outage locks no one out', () => {
  let t: TestApp;
  before(async () => {
    // Nothing listens on port 1: every Redis command fails.
    t = await bootTestApp({
      REDIS_URL: 'redis://127.0.0.1:1',
      LOGIN_FAILURES_PER_ACCOUNT: '2/1m',
      REGISTRATIONS_PER_ADDRESS: '1/1h',
    });
  });
  after(() => t.close());

  test('registrations and logins go through, unlimited, while Redis is down', async () => {
    const first = await registerUser(t.app);
    await registerUser(t.app);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await login(t.app, first.email, 'wrong-password')).status);
    statuses.push((await login(t.app, first.email, first.password)).status);
    assert.deepEqual(statuses, [401, 401, 401, 200]);
  });
});

describe('configuration', () => {
  test('the defaults', () => {
    const config = loadConfig({});
    assert.deepEqual(config.loginFailuresPerAccount, { max: 100, windowMs: 3_600_000 });
    assert.deepEqual(config.loginFailuresPerAccountAndAddress, { max: 10, windowMs: 15 * 60_000 });
    assert.deepEqual(config.loginFailuresPerAddress, { max: 100, windowMs: 15 * 60_000 });
    assert.deepEqual(config.registrationsPerAddress, { max: 200, windowMs: 3_600_000 });
    assert.equal(config.trustProxy, false);
  });

  test('a limit is a count, then a window from 1s to 24h', () => {
    assert.deepEqual(loadConfig({ LOGIN_FAILURES_PER_ACCOUNT: '5/30s' }).loginFailuresPerAccount, {
      max: 5,
      windowMs: 30_000,
    });
    for (const bad of ['0/15m', '10', '10/15', '10/2d', '10/0s', '10/25h', '-1/1m', 'ten/1m']) {
      assert.throws(
        () => loadConfig({ LOGIN_FAILURES_PER_ACCOUNT: bad }),
        /^ConfigError: LOGIN_FAILURES_PER_ACCOUNT must be a count and a window like 100\/1h/,
        bad,
      );
    }
    assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), /REDIS_URL/);
  });

  test('TRUST_PROXY lists addresses and CIDRs; never true, never a hop count', () => {
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,2001:db8::/32,loopback' }).trustProxy, [
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
      'loopback',
    ]);
    for (const bad of ['true', '1', '*', '10.0.0.0/33', '2001:db8::/129', '10.0.0.1/8/8', 'proxy.local']) {
      assert.throws(
        () => loadConfig({ TRUST_PROXY: bad }),
        /^ConfigError: TRUST_PROXY must be the addresses or CIDRs of the proxies/,
        bad,
      );
    }
  });
});
