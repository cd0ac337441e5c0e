// The browser tests need Debian's Chromium. Where it is missing they are skipped, and say how to install it,
// so that `npm test` passes on a fresh machine; in CI (CI=true, which installs it) they always run.
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from '../../src/tracing/chromium.ts';

/** The `skip` option of a browser test: false, or why it is skipped. */
export const skipWithoutChromium: string | false =
  existsSync(CHROMIUM_PATH) || process.env.CI === 'true'
    ? false
    : `needs Chromium at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium`;
