// The dev-time commands of a source checkout (src/cli/dev-time.ts says which and why). Each loads its code
// only when it runs, and first checks that the devDependencies it needs are installed: after
// `npm prune --omit=dev` it refuses in the same one line as a production install.
import { createRequire } from 'node:module';
import { registerScenarios } from '../bench/scenarios.ts';
import { type DevTime, type DevTimeCommand, devTimeRefusal, refuseDevTime } from '../src/cli/dev-time.ts';

const resolvable = (name: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
};

/** Loads `module` once `packages` are known to be installed; otherwise the one-line refusal. */
async function needing<T>(command: DevTimeCommand, packages: string[], module: () => Promise<T>): Promise<T> {
  if (!packages.every(resolvable)) throw devTimeRefusal(command);
  return module();
}

export const devTime: DevTime = {
  // The scenarios' options are declared without loading them; each loads when it runs.
  registerBench: (bench, cli) =>
    resolvable('autocannon') ? registerScenarios(bench, cli) : refuseDevTime(bench, 'gather bench'),
  migrate: async (options) =>
    (await needing('gather db migrate', ['drizzle-kit'], () => import('./db-author/commands.ts'))).migrate(
      options,
    ),
  uncaptured: async () =>
    (await needing('gather db check', ['drizzle-kit'], () => import('./db-author/commands.ts'))).uncaptured(),
  renderSvg: async (diagram) =>
    (
      await needing(
        'gather trace --format svg',
        ['playwright-core'],
        () => import('./docs-flows/chromium.ts'),
      )
    ).renderSvg(diagram),
};
