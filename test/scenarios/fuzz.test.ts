// Sequences of stateful and hostile requests, test size: a fixed seed and a few hundred sequences (the full
// run, on both databases: npm run reliability -- fuzz).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTokenService } from '../../src/http/auth.ts';
import { call, createArticle, registerUser } from '../../tools/harness/factories.ts';
import { FUZZED_ROUTES } from '../../tools/harness/fuzz/hostile.ts';
import { contractBreach, formatReport, fuzz, prepareWorld } from '../../tools/harness/fuzzer.ts';
import { bootTestApp, TEST_JWT_SECRET, type TestApp } from '../../tools/harness/test-app.ts';

const SEED = 20_261_125;
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const STEP_KINDS = [
  'register',
  'updateUser',
  'createArticle',
  'updateArticle',
  'deleteArticle',
  'favorite',
  'unfavorite',
  'comment',
  'deleteComment',
  'follow',
  'unfollow',
  'hostile',
];

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

test('the contract check flags a 5xx, a non-JSON 4xx and a 4xx not in RealWorld form', () => {
  const json = 'application/json; charset=utf-8';
  assert.equal(contractBreach(200, json, '{}'), undefined);
  assert.equal(contractBreach(422, json, '{"errors":{"body":["title is required"]}}'), undefined);
  assert.match(contractBreach(500, json, '{"errors":{"body":["x"]}}') ?? '', /status 500/);
  assert.match(contractBreach(400, 'text/plain', 'Bad Request') ?? '', /without a JSON body/);
  assert.match(contractBreach(400, json, '{"message":"bad"}') ?? '', /RealWorld/);
  assert.match(contractBreach(400, json, '{"errors":{"body":[]}}') ?? '', /RealWorld/);
});

test(`${RUNS} sequences (seed ${SEED}): no 5xx, RealWorld 4xx, answers as the data predicts, data consistent`, async () => {
  const world = await prepareWorld(t.app, t.database);
  const report = await fuzz(world, { seed: SEED, runs: RUNS });
  console.log(formatReport(report, SEED));
  assert.deepEqual(report.breaches, []);
  assert.equal(report.sequences, RUNS);
  assert.deepEqual([...report.byStep.keys()].sort(), [...STEP_KINDS].sort(), 'every kind of step ran');
  assert.deepEqual([...report.byRoute.keys()].sort(), [...FUZZED_ROUTES].sort(), 'every route was fuzzed');
  // The class this fuzzer is for: requests that run into each unique key.
  assert.deepEqual([...report.conflicts.keys()].sort(), ['email', 'slug', 'username']);
});

// Requests the fuzzer once answered with a 5xx or outside the RealWorld form, kept as plain cases.
test('a URL that does not decode, or a path parameter over 500 characters: 422 in RealWorld form', async () => {
  for (const url of [
    '/api/articles/%E0%A4%A',
    '/api/profiles/%zz/follow',
    `/api/articles/${'x'.repeat(501)}`,
  ]) {
    const response = await call(t.app, 'GET', url);
    assert.equal(response.status, 422, url);
    assert.equal(response.body.errors.body.length, 1, url);
  }
});

test('a NUL character in a slug, a query or a body: 422, not a database error', async () => {
  const user = await registerUser(t.app);
  const article = await createArticle(t.app, user.token);
  const nul = 'text must not contain the character U+0000';
  assert.deepEqual((await call(t.app, 'GET', '/api/articles/a%00b')).body.errors.body, [nul]);
  assert.deepEqual((await call(t.app, 'GET', '/api/articles?tag=%00')).body.errors.body, [nul]);
  const comment = await call(t.app, 'POST', `/api/articles/${article.slug}/comments`, {
    token: user.token,
    body: { comment: { body: 'a\u0000b' } },
  });
  assert.equal(comment.status, 422);
  assert.deepEqual(comment.body.errors.body, [nul]);
});

test('a valid token of a user who no longer exists: 401 on writes, nothing written', async () => {
  const author = await registerUser(t.app);
  const article = await createArticle(t.app, author.token);
  const ghost = createTokenService(TEST_JWT_SECRET, '1h').sign(2_000_000_000, 0);
  const favorite = await call(t.app, 'POST', `/api/articles/${article.slug}/favorite`, { token: ghost });
  assert.equal(favorite.status, 401);
  assert.deepEqual(favorite.body.errors.body, ['the user of this token no longer exists']);
  assert.equal((await call(t.app, 'GET', `/api/articles/${article.slug}`)).body.article.favoritesCount, 0);
});

test('two tags that are one in the database (a lone surrogate is stored as U+FFFD): 201 with that one tag', async () => {
  const user = await registerUser(t.app);
  const article = await createArticle(t.app, user.token, { tagList: ['x\ud800', 'x\udfff', 'x\ufffd'] });
  assert.deepEqual(article.tagList, ['x\ufffd']);
  const tags = await call(t.app, 'GET', '/api/tags');
  assert.equal(tags.body.tags.filter((tag: string) => tag === 'x\ufffd').length, 1);
});
