// Headless Chromium (Debian's package, driven by playwright-core) for the two places that need a real
// browser: `gather trace --format svg` and the trace viewer test.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium } from 'playwright-core';
import { CommandError } from '../../src/command-error.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];
const MERMAID_FILE = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new CommandError(
      `Chromium is not installed at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\``,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Mermaid text → SVG, drawn by the same Mermaid bundle the trace viewer serves. */
export async function renderSvg(diagram: string): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: MERMAID_FILE });
    return await page.evaluate(async (text) => {
      const api = (globalThis as unknown as { mermaid: MermaidGlobal }).mermaid;
      api.initialize({ startOnLoad: false, securityLevel: 'strict' });
      return (await api.render('trace', text)).svg;
    }, diagram);
  } finally {
    await browser.close();
  }
}

/** The part of the browser bundle's `mermaid` global used here. */
type MermaidGlobal = {
  initialize(config: object): void;
  render(id: string, text: string): Promise<{ svg: string }>;
};
