// Drizzle, loaded through its CommonJS build. Node 22 and later read a package's package.json for each of its ES
// module files, and drizzle-orm's is 179 KB (an exports map naming every file) over 448 files: on Node 24 its ES
// build took 313 ms to import and grew the heap by 230 MB (Node 20: 35 ms, 9 MB); its CommonJS build loads in
// 54 ms and 18 MB. Every value Gather takes from drizzle comes from here, so that no process loads both builds
// (drizzle's is() compares classes); types are imported from drizzle-orm directly, and cost nothing at run time.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const { and, asc, count, desc, eq, inArray, is, or, Param, Placeholder, sql } =
  require('drizzle-orm') as typeof import('drizzle-orm');

export const {
  PgDialect,
  PgSelectBase,
  boolean,
  check,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} = require('drizzle-orm/pg-core') as typeof import('drizzle-orm/pg-core');

/** drizzle over a node-postgres pool. */
export const drizzlePg = (require('drizzle-orm/node-postgres') as typeof import('drizzle-orm/node-postgres'))
  .drizzle;

/** drizzle over PGlite: loaded when asked for, so that a PostgreSQL server never loads PGlite's driver. */
export const loadDrizzlePglite = () =>
  (require('drizzle-orm/pglite') as typeof import('drizzle-orm/pglite')).drizzle;
