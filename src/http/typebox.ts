// TypeBox, loaded through its CommonJS build, as db/orm.ts loads drizzle: its ES build is 266 files, and Node 24
// holds an ES module for good at about twice what it holds for a CommonJS one (TypeBox: 4.9 MB of an idle
// server's memory through its ES build, 2.4 MB through its CommonJS one). Every value Gather takes from TypeBox
// comes from here; types are imported from @sinclair/typebox directly, and cost nothing at run time.
import { createRequire } from 'node:module';

export const { Type } = createRequire(import.meta.url)(
  '@sinclair/typebox',
) as typeof import('@sinclair/typebox');
