#!/usr/bin/env node
// The `gather` command. Gather is written in TypeScript and runs it directly through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
