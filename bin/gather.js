#!/usr/bin/env -S node --liftoff-only
// The `gather` command of a source checkout: the TypeScript sources, with the dev-time commands (tools/cli.ts).
// A Node that strips types itself (≥ 22.18) runs them as they are; an older one through tsx, a devDependency.
// A production install runs the compiled dist/cli/index.js instead, with no loader.
if (!process.features.typescript) (await import('tsx/esm/api')).register();
await import('../tools/cli.ts');
