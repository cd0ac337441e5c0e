// A newcomer opens /docs: Swagger UI loads /openapi.json and draws every operation of it in a real browser
// (headless Chromium), from Gather's own server only (no CDN), without an error in the console.
// Needs Debian's chromium (`apt-get install -y chromium`); without it this test is skipped (not in CI).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOCS_TITLE } from '../../src/http/openapi.ts';
import { appWithBrowser, skipWithoutChromium, watchedPage } from '../helpers/chromium.ts';

const opened = appWithBrowser();

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

test('/docs loads /openapi.json and draws every operation of it, from this server only, without errors', {
  skip: skipWithoutChromium,
}, async () => {
  const document = (await opened.gather.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const operations = Object.values(document.paths).flatMap((item) =>
    Object.keys(item).filter((key) => METHODS.has(key)),
  ).length;

  const address = await opened.gather.app.listen({ port: 0, host: '127.0.0.1' });
  const { page, problems } = await watchedPage(opened.browser);
  const elsewhere: string[] = [];
  const documents: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(address) && !request.url().startsWith('data:'))
      elsewhere.push(request.url());
    if (/\/(openapi\.json|docs\/json|docs\/yaml)$/.test(request.url())) documents.push(request.url());
  });

  await page.goto(`${address}/docs/`);
  await page.waitForSelector('.opblock', { timeout: 20_000 });
  assert.equal(await page.locator('.opblock').count(), operations);
  assert.ok(operations >= 19, `${operations} operations`);
  assert.equal(await page.locator('.btn.authorize').count(), 1, 'the Token security scheme offers Authorize');
  assert.deepEqual(elsewhere, [], 'every asset from this server');
  // The document is the one at /openapi.json (the address to give a client generator), not /docs/json.
  assert.deepEqual(documents, [`${address}/openapi.json`]);
  assert.equal(await page.locator('.topbar select').inputValue(), '/openapi.json');
  // Gather's name, not the Swagger logo.
  assert.equal(await page.title(), DOCS_TITLE);
  const logo = await page.locator('.topbar a img').getAttribute('src');
  assert.match(logo ?? '', /^data:image\/svg\+xml;base64,/);
  assert.match(Buffer.from(logo!.split(',')[1]!, 'base64').toString(), />Gather</);
  assert.deepEqual(problems, []);
  await page.close();
});
