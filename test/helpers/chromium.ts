// Browser tests, in Debian's Chromium. Where it is missing they are skipped, and say how to install it, so
// that `npm test` passes on a fresh machine; in CI (CI=true, which installs it) they always run.
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, launchChromium } from '../../tools/docs-flows/chromium.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

/** The `skip` option of a browser test: false, or why it is skipped. */
export const skipWithoutChromium: string | false =
  existsSync(CHROMIUM_PATH) || process.env.CI === 'true'
    ? false
    : `needs Chromium at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium`;

/** A test app and (where Chromium is installed) a browser, opened before the file's tests, closed after. */
export function appWithBrowser(): { readonly gather: TestApp; readonly browser: Browser } {
  const opened = {} as { gather: TestApp; browser: Browser };
  before(async () => {
    opened.gather = await bootTestApp();
    if (!skipWithoutChromium) opened.browser = await launchChromium();
  });
  after(async () => {
    await opened.browser?.close();
    await opened.gather?.close();
  });
  return opened;
}

/** A new page whose uncaught errors and console errors are collected in `problems`. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  return { page, problems };
}
