#!/usr/bin/env node
// The `gather` command of a source checkout: the TypeScript sources, run through tsx, with the dev-time
// commands (tools/cli.ts). A production install runs the compiled dist/cli/index.js instead.
import { register } from 'tsx/esm/api';

register();
await import('../tools/cli.ts');
