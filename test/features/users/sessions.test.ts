// Sessions end when credentials change (ASVS V3.3): after a new password or another email, every token signed
// before it is refused with 401, while the PUT's own answer carries a token that goes on; a change of anything
// else ends nothing. On PostgreSQL, a second instance on the same database refuses the old tokens within a
// second (SESSION_CHECK_TTL_MS).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SESSION_CHECK_TTL_MS } from '../../../src/features/users/sessions.ts';
import { call, registerUser, type TestUser } from '../../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

const login = async (app: TestApp, email: string, password: string) =>
  call(app.app, 'POST', '/api/users/login', { body: { user: { email, password } } });

/** A second session of `user`, as another device would hold it. */
async function secondSession(user: TestUser): Promise<string> {
  const answer = await login(t, user.email, user.password);
  assert.equal(answer.status, 200);
  return answer.body.user.token;
}

const currentUser = (app: TestApp, token: string) => call(app.app, 'GET', '/api/user', { token });
const update = (token: string, user: Record<string, string>) =>
  call(t.app, 'PUT', '/api/user', { token, body: { user } });

test('a new password ends every session signed before it; the answer carries the one that goes on', async () => {
  const user = await registerUser(t.app);
  const other = await secondSession(user);
  assert.equal((await currentUser(t, other)).status, 200);

  const changed = await update(user.token, { password: 'a-new-password' });
  assert.equal(changed.status, 200);
  const fresh: string = changed.body.user.token;

  for (const old of [user.token, other]) {
    const refused = await currentUser(t, old);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body.errors.body, [
      'token was signed before the password or email changed: sign in again',
    ]);
    // A write with it changes nothing.
    const write = await call(t.app, 'PUT', '/api/user', { token: old, body: { user: { bio: 'stolen' } } });
    assert.equal(write.status, 401);
  }
  // Optional-auth routes refuse it too, rather than answer as anonymous.
  assert.equal((await call(t.app, 'GET', '/api/articles', { token: other })).status, 401);

  const me = await currentUser(t, fresh);
  assert.equal(me.status, 200);
  assert.equal(me.body.user.bio, null);
  assert.equal((await login(t, user.email, user.password)).status, 401);
  const again = await login(t, user.email, 'a-new-password');
  assert.equal(again.status, 200);
  assert.equal((await currentUser(t, again.body.user.token)).status, 200);
});

test('another email ends the sessions; the same email in another case, a bio or a username does not', async () => {
  const user = await registerUser(t.app);
  const other = await secondSession(user);
  const unchanged = await update(user.token, {
    email: user.email.toUpperCase(),
    bio: 'a bio',
    username: `${user.username}x`,
    image: '',
  });
  assert.equal(unchanged.status, 200);
  assert.equal((await currentUser(t, other)).status, 200);
  assert.equal((await currentUser(t, user.token)).status, 200);

  const moved = await update(user.token, { email: `moved-${user.email}` });
  assert.equal(moved.status, 200);
  assert.equal((await currentUser(t, other)).status, 401);
  assert.equal((await currentUser(t, user.token)).status, 401);
  assert.equal((await currentUser(t, moved.body.user.token)).status, 200);
});

test('a second instance refuses the old tokens within a second', {
  skip: process.env.DATABASE_URL ? false : 'PostgreSQL only: an embedded database belongs to one instance',
}, async () => {
  const second = await bootTestApp({ DATABASE_URL: t.config.databaseUrl! });
  try {
    const user = await registerUser(t.app);
    // The second instance has looked the version up, and keeps it for a while.
    assert.equal((await currentUser(second, user.token)).status, 200);
    const changed = await update(user.token, { password: 'a-new-password' });
    assert.equal(changed.status, 200);
    await sleep(SESSION_CHECK_TTL_MS + 50);
    assert.equal((await currentUser(second, user.token)).status, 401);
    assert.equal((await currentUser(second, changed.body.user.token)).status, 200);
  } finally {
    await second.close();
  }
});
