import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, createArticle, registerUser, type TestUser } from '../../../tools/harness/factories.ts';
import { bootTestApp, type TestApp } from '../../../tools/harness/test-app.ts';

let t: TestApp;
let jake: TestUser;
let anna: TestUser;
before(async () => {
  t = await bootTestApp();
  [jake, anna] = await Promise.all([registerUser(t.app), registerUser(t.app)]);
});
after(() => t.close());

describe('profiles', () => {
  test('get, follow (idempotent), unfollow', async () => {
    const url = `/api/profiles/${anna.username}`;
    const anonymous = await call(t.app, 'GET', url);
    assert.deepEqual(anonymous.body, {
      profile: { username: anna.username, bio: null, image: null, following: false },
    });
    assert.equal(
      (await call(t.app, 'POST', `${url}/follow`, { token: jake.token })).body.profile.following,
      true,
    );
    assert.equal(
      (await call(t.app, 'POST', `${url}/follow`, { token: jake.token })).body.profile.following,
      true,
    );
    assert.equal((await call(t.app, 'GET', url, { token: jake.token })).body.profile.following, true);
    assert.equal((await call(t.app, 'GET', url, { token: anna.token })).body.profile.following, false);
    assert.equal(
      (await call(t.app, 'DELETE', `${url}/follow`, { token: jake.token })).body.profile.following,
      false,
    );
    assert.equal((await call(t.app, 'DELETE', `${url}/follow`, { token: jake.token })).status, 200);
  });

  test('404 for unknown users, 401 without a token, 422 for following yourself', async () => {
    assert.equal((await call(t.app, 'GET', '/api/profiles/nobody-here')).status, 404);
    assert.equal(
      (await call(t.app, 'POST', '/api/profiles/nobody-here/follow', { token: jake.token })).status,
      404,
    );
    assert.equal((await call(t.app, 'POST', `/api/profiles/${anna.username}/follow`)).status, 401);
    const self = await call(t.app, 'POST', `/api/profiles/${jake.username}/follow`, { token: jake.token });
    assert.equal(self.status, 422);
  });
});

describe('comments', () => {
  test('add, list (signed in or not), delete', async () => {
    const article = await createArticle(t.app, jake.token);
    const url = `/api/articles/${article.slug}/comments`;
    const added = await call(t.app, 'POST', url, {
      token: anna.token,
      body: { comment: { body: 'First!' } },
    });
    assert.equal(added.status, 200);
    assert.equal(added.body.comment.body, 'First!');
    assert.equal(added.body.comment.author.username, anna.username);
    assert.ok(Number.isInteger(added.body.comment.id));
    await call(t.app, 'POST', url, { token: jake.token, body: { comment: { body: 'Second' } } });

    const listed = await call(t.app, 'GET', url);
    assert.deepEqual(
      listed.body.comments.map((c: { body: string }) => c.body),
      ['First!', 'Second'],
    );
    await call(t.app, 'POST', `/api/profiles/${anna.username}/follow`, { token: jake.token });
    const asJake = await call(t.app, 'GET', url, { token: jake.token });
    assert.equal(asJake.body.comments[0].author.following, true);

    const id = added.body.comment.id;
    assert.equal((await call(t.app, 'DELETE', `${url}/${id}`, { token: jake.token })).status, 403);
    assert.equal((await call(t.app, 'DELETE', `${url}/${id}`, { token: anna.token })).status, 204);
    assert.equal((await call(t.app, 'DELETE', `${url}/${id}`, { token: anna.token })).status, 404);
    assert.equal((await call(t.app, 'GET', url)).body.comments.length, 1);
  });

  test('404 for unknown articles, 422 for bad ids and empty bodies, 401 without a token', async () => {
    const article = await createArticle(t.app, jake.token);
    const url = `/api/articles/${article.slug}/comments`;
    assert.equal((await call(t.app, 'GET', '/api/articles/nope/comments')).status, 404);
    const onUnknown = await call(t.app, 'POST', '/api/articles/nope/comments', {
      token: jake.token,
      body: { comment: { body: 'x' } },
    });
    assert.equal(onUnknown.status, 404);
    for (const id of ['abc', '0', '-1', '1.5', '99999999999']) {
      assert.equal((await call(t.app, 'DELETE', `${url}/${id}`, { token: jake.token })).status, 422, id);
    }
    assert.equal(
      (await call(t.app, 'POST', url, { token: jake.token, body: { comment: { body: '' } } })).status,
      422,
    );
    assert.equal((await call(t.app, 'POST', url, { token: jake.token, body: { comment: {} } })).status, 422);
    assert.equal((await call(t.app, 'POST', url, { body: { comment: { body: 'x' } } })).status, 401);
  });

  test("a comment on another article's slug cannot be deleted through the wrong slug", async () => {
    const one = await createArticle(t.app, jake.token);
    const two = await createArticle(t.app, jake.token);
    const added = await call(t.app, 'POST', `/api/articles/${one.slug}/comments`, {
      token: jake.token,
      body: { comment: { body: 'mine' } },
    });
    const wrong = await call(t.app, 'DELETE', `/api/articles/${two.slug}/comments/${added.body.comment.id}`, {
      token: jake.token,
    });
    assert.equal(wrong.status, 404);
  });
});
