// A newcomer's path through the trace viewer, in headless Chromium: the list (live), one click, the trace page
// (warnings, waterfall, drawn diagram), the compare view. Bar positions are read from the DOM. Each page is
// photographed at 1100×700; UPDATE_SCREENSHOTS=1 writes the pictures into docs/images/ (docs/tracing.md
// shows them), otherwise into a temporary folder.
// Needs Debian's chromium (`apt-get install -y chromium`); without it these tests are skipped (not in CI).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createQueries } from '../../src/features/queries.ts';
import { analyseTrace } from '../../src/tracing/analysis.ts';
import { querySpans, type RequestTrace } from '../../src/tracing/recorder.ts';
import { concurrentArticleUrl, traceSerialArticleWithComments } from '../../tools/harness/article-flows.ts';
import { call, createArticle, registerUser } from '../../tools/harness/factories.ts';
import { appWithBrowser, skipWithoutChromium, watchedPage } from '../helpers/chromium.ts';

const opened = appWithBrowser();
const skip = skipWithoutChromium;

const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? new URL('../../docs/images/', import.meta.url).pathname
    : mkdtempSync(join(tmpdir(), 'gather-screenshots-'));

type Fixture = { address: string; slug: string; concurrent: RequestTrace; serial: RequestTrace };
let prepared: Promise<Fixture> | undefined;

/**
 * An article with a comment, read both ways (the concurrent request and the serial flow), and the app
 * listening; made by the first test that asks (the app is opened by a `before` hook of its own).
 */
function fixture(): Promise<Fixture> {
  prepared ??= prepare();
  return prepared;
}

async function prepare(): Promise<Fixture> {
  const jake = await registerUser(opened.gather.app);
  const ann = await registerUser(opened.gather.app);
  const slug = (await createArticle(opened.gather.app, jake.token)).slug;
  await call(opened.gather.app, 'POST', `/api/articles/${slug}/comments`, {
    token: ann.token,
    body: { comment: { body: 'It worked for me.' } },
  });
  // Each flow is run once before the one shown, as the latency lab does: a statement's first run also pays
  // for preparing it, and the pictures compare the two flows, not a cold start with a warm one.
  await call(opened.gather.app, 'GET', concurrentArticleUrl(slug));
  const read = await call(opened.gather.app, 'GET', concurrentArticleUrl(slug));
  assert.equal(read.status, 200);
  const concurrent = opened.gather.traces.get(read.headers['x-trace-id'] as string)!;
  const queries = createQueries(opened.gather.database.db);
  await traceSerialArticleWithComments(queries, slug);
  const serial = await traceSerialArticleWithComments(queries, slug);
  opened.gather.traces.add(serial);
  const address = await opened.gather.app.listen({ port: 0, host: '127.0.0.1' });
  return { address, slug, concurrent, serial };
}

async function viewerPage(): Promise<{ page: Page; problems: string[] }> {
  const watched = await watchedPage(opened.browser);
  await watched.page.setViewportSize({ width: 1100, height: 700 });
  return watched;
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, name) });
}

type Box = { left: number; right: number };

/** The horizontal extent, in pixels, of each query's bar in a waterfall. */
async function queryBars(page: Page, scope = ''): Promise<Box[]> {
  return page.$$eval(`${scope} .waterfall details[data-kind="query"] .bar`, (bars) =>
    bars.map((bar) => {
      const rect = bar.getBoundingClientRect();
      return { left: rect.left, right: rect.right };
    }),
  );
}

test('the trace page draws the request as an SVG sequence diagram with solid calls and dashed replies', {
  skip,
}, async () => {
  const { address } = await fixture();
  const jake = await registerUser(opened.gather.app);
  const article = await createArticle(opened.gather.app, jake.token);
  const read = await call(opened.gather.app, 'GET', `/api/articles/${article.slug}/comments`);
  const trace = opened.gather.traces.get(read.headers['x-trace-id'] as string)!;
  const calls = trace.spans.filter((span) => span.kind !== 'handler').length + 1; // + the client's request
  const { page, problems } = await viewerPage();

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

test('without Mermaid (a production install leaves it out) the page shows the diagram as its text, and why', {
  skip,
}, async () => {
  const { address, concurrent } = await fixture();
  const { page, problems } = await viewerPage();
  await page.route('**/_gather/assets/mermaid.min.js', (route) => route.fulfill({ status: 404 }));
  await page.goto(`${address}/_gather/traces/${concurrent.id}`);
  await page.waitForSelector('body[data-diagram]', { timeout: 20_000 });
  assert.equal(await page.getAttribute('body', 'data-diagram'), 'text');
  assert.match((await page.locator('pre.mermaid').textContent()) ?? '', /^sequenceDiagram/);
  assert.match((await page.locator('#diagram-error').textContent()) ?? '', /Mermaid is not installed/);
  // The script's 404 is the one problem: the viewer's own script ran to the end.
  assert.equal(problems.filter((problem) => !problem.includes('404')).length, 0, problems.join('\n'));
  await page.close();
});

test('waterfall: the reads of ?include=comments overlap; a click shows the full SQL and its rows', {
  skip,
}, async () => {
  const { address, concurrent } = await fixture();
  const { page, problems } = await viewerPage();
  await page.goto(`${address}/_gather/traces/${concurrent.id}`);
  await page.waitForSelector('body[data-diagram="rendered"]', { timeout: 20_000 });
  const [article, comments] = await queryBars(page);
  assert.ok(article && comments, 'two query bars');
  assert.ok(article.left < comments.right && comments.left < article.right, 'the bars overlap');
  assert.equal(await page.locator('#warnings[class="ok"]').count(), 1, 'no warning');

  const row = page.locator('.waterfall details[data-kind="query"]').filter({ hasText: 'from "comments"' });
  await row.locator('summary').click();
  const detail = row.locator('.detail');
  assert.ok(await detail.isVisible());
  const sql = (await detail.locator('pre.sql').textContent()) ?? '';
  assert.match(sql, /^select .* from "comments" .* order by "comments"\."id" asc$/s, 'the whole statement');
  assert.match((await detail.textContent()) ?? '', /rows returned\s*1/);
  await page.locator('h2', { hasText: 'Timeline' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'trace-page-concurrent.png');
  assert.deepEqual(problems, []);
  await page.close();
});

test('waterfall: the serial flow’s bars follow one another, and the page says it waited twice', {
  skip,
}, async () => {
  const { address, serial } = await fixture();
  const { page, problems } = await viewerPage();
  await page.goto(`${address}/_gather/traces/${serial.id}`);
  await page.waitForSelector('body[data-diagram="rendered"]', { timeout: 20_000 });
  const [article, comments] = await queryBars(page);
  assert.ok(article && comments, 'two query bars');
  assert.ok(article.right <= comments.left + 0.5, 'the comments start after the article has come back');
  // The page shows what the analysis finds. Whether the rule flags this run depends on its measured gap (at
  // most SERIAL_GAP_MS between the two reads): test/tracing/analysis.test.ts tests the rule itself.
  const flagged = analyseTrace(serial).filter((warning) => warning.kind === 'serial-reads').length;
  if (process.env.UPDATE_SCREENSHOTS === '1') assert.equal(flagged, 1, 'the docs picture shows the warning');
  assert.equal(await page.locator('[data-warning="serial-reads"]').count(), flagged);
  await screenshot(page, 'trace-page-serial.png');
  if (flagged === 1) {
    await page.click('[data-warning="serial-reads"] a');
    // The page opens the span on hashchange, an event that comes after the click returns.
    const opened = await page
      .locator('.waterfall details[open] pre.sql')
      .waitFor({ state: 'visible', timeout: 5_000 })
      .then(
        () => true,
        () => false,
      );
    assert.ok(opened, 'the link opens its span');
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('the list: housekeeping hidden, filters in the query string, a new request appears live', {
  skip,
}, async () => {
  const { address } = await fixture();
  await call(opened.gather.app, 'GET', '/healthz');
  const { page, problems } = await viewerPage();
  await page.goto(`${address}/_gather/traces`);
  await page.waitForSelector('body[data-live="open"]', { timeout: 10_000 });
  assert.equal(await page.locator('tbody a', { hasText: '/healthz' }).count(), 0, 'health checks hidden');

  const tags = await call(opened.gather.app, 'GET', '/api/tags');
  await call(opened.gather.app, 'GET', '/healthz');
  const row = page.locator(`tr[data-trace="${tags.headers['x-trace-id']}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('tbody tr').first().getAttribute('data-trace'), tags.headers['x-trace-id']);
  assert.equal(await page.locator('tbody a', { hasText: '/healthz' }).count(), 0, 'not pushed either');
  await screenshot(page, 'trace-list.png');

  await page.check('input[name="all"]');
  await page.fill('input[name="path"]', 'health');
  await page.click('form.filters button[type="submit"]');
  await page.waitForURL(/all=1/);
  assert.ok((await page.locator('tbody a', { hasText: '/healthz' }).count()) >= 2, 'shown when asked for');
  assert.equal(await page.locator('tbody a', { hasText: '/api/tags' }).count(), 0, 'filtered by path');
  assert.deepEqual(problems, []);
  await page.close();
});

test('compare: the serial and the concurrent flow side by side on one time scale', { skip }, async () => {
  const { address, serial, concurrent } = await fixture();
  const { page, problems } = await viewerPage();
  await page.goto(`${address}/_gather/traces`);
  await page.check(`input[name="a"][value="${serial.id}"]`);
  await page.check(`input[name="b"][value="${concurrent.id}"]`);
  await page.click('form#compare button');
  await page.waitForURL(/\/compare\?/);
  const scales = await page.$$eval('.waterfall', (all) => all.map((w) => w.getAttribute('data-scale')));
  assert.equal(scales.length, 2);
  assert.equal(scales[0], scales[1], 'one time scale');
  const [serialArticle, serialComments] = await queryBars(page, '[data-side="a"]');
  const [concurrentArticle, concurrentComments] = await queryBars(page, '[data-side="b"]');
  assert.ok(serialArticle!.right <= serialComments!.left + 0.5);
  assert.ok(
    concurrentArticle!.left < concurrentComments!.right &&
      concurrentComments!.left < concurrentArticle!.right,
  );
  await screenshot(page, 'trace-compare.png');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the /stream page shows when each NDJSON part left', { skip }, async () => {
  const { address, slug } = await fixture();
  const response = await fetch(`${address}/api/articles/${slug}/stream`);
  assert.equal(response.status, 200);
  await response.text();
  const id = response.headers.get('x-trace-id')!;
  const { page, problems } = await viewerPage();
  await page.goto(`${address}/_gather/traces/${id}`);
  await page.waitForSelector('body[data-diagram="rendered"]', { timeout: 20_000 });
  const parts = await page.locator('.waterfall details[data-kind="flush"] .label').allTextContents();
  assert.deepEqual(parts.map((text) => text.match(/part: (\w+)/)?.[1]).sort(), [
    'article',
    'author',
    'comments',
  ]);
  await page.locator('h2', { hasText: 'Timeline' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'trace-page-stream.png');
  assert.deepEqual(problems, []);
  await page.close();
});
