// A newcomer's path through the trace viewer, in headless Chromium: the list, one click, the drawn diagram.
// Needs Debian's chromium (`apt-get install -y chromium`); without it this test is skipped (not in CI).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { querySpans } from '../../src/tracing/recorder.ts';
import { call, createArticle, registerUser } from '../../tools/harness/factories.ts';
import { appWithBrowser, skipWithoutChromium, watchedPage } from '../helpers/chromium.ts';

const opened = appWithBrowser();

test('the trace page draws the request as an SVG sequence diagram with solid calls and dashed replies', {
  skip: skipWithoutChromium,
}, async () => {
  const jake = await registerUser(opened.gather.app);
  const article = await createArticle(opened.gather.app, jake.token);
  const read = await call(opened.gather.app, 'GET', `/api/articles/${article.slug}/comments`);
  const trace = opened.gather.traces.get(read.headers['x-trace-id'] as string)!;
  const calls = trace.spans.filter((span) => span.kind !== 'handler').length + 1; // + the client's request

  const address = await opened.gather.app.listen({ port: 0, host: '127.0.0.1' });
  const { page, problems } = await watchedPage(opened.browser);

  await page.goto(`${address}/_gather/traces`);
  await page.click(`a[href="/_gather/traces/${trace.id}"]`);
  await page.waitForSelector('body[data-diagram]', { timeout: 20_000 });
  assert.equal(await page.getAttribute('body', 'data-diagram'), 'rendered', problems.join('\n'));
  assert.deepEqual(problems, []);

  const svg = page.locator('pre.mermaid svg');
  assert.equal(await svg.count(), 1);
  // Mermaid draws a call as .messageLine0 (solid) and a reply as .messageLine1 (dashed), each with an arrowhead.
  assert.equal(await svg.locator('.messageLine0').count(), calls);
  assert.equal(await svg.locator('.messageLine1').count(), calls);
  assert.equal(await svg.locator('[marker-end]').count(), calls * 2);
  assert.equal(await svg.locator('.sequenceNumber').count(), calls * 2, 'autonumber numbers every arrow');
  const text = await svg.textContent();
  assert.ok(text?.includes(`GET /api/articles/${article.slug}/comments`));
  assert.ok(querySpans(trace).length >= 2 && text?.includes('calls in flight together'), 'the par block');
  await page.close();
});
