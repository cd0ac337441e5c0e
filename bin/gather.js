#!/usr/bin/env -S node --liftoff-only
// The `gather` command of a source checkout: the TypeScript sources, with the dev-time commands (tools/cli.ts).
// A Node that strips types itself (≥ 22.18) runs them as they are; an older one through tsx, a devDependency.
// A production install runs the compiled dist/cli/index.js instead, with no loader.
// --liftoff-only: PGlite's WebAssembly on V8's baseline compiler only; its optimising one took over 600 MB for one
// function at every start (docs/performance.md, "PGlite's start-up peak"). npm's scripts pass it too.
if (!process.features.typescript) (await import('tsx/esm/api')).register();
await import('../tools/cli.ts');
