// The lint's rules as data: PostgreSQL's table-level lock modes and what each blocks, what a statement does to a
// table's data, and each rule with its level, the problem and the safe form. The analyser (lint.ts) reads
// statements and names the rules they break; docs/migrations.md has them beside squawk's and
// strong_migrations' checks.

/** PostgreSQL's table-level lock modes that migrations take, weakest first. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** What other sessions cannot do on the table while the lock is held (PostgreSQL's conflict table). */
export const BLOCKS: Record<LockMode, readonly string[]> = {
  'ACCESS SHARE': ['schema changes'],
  'ROW EXCLUSIVE': ['schema changes'],
  'SHARE UPDATE EXCLUSIVE': ['schema changes'],
  SHARE: ['writes', 'schema changes'],
  'SHARE ROW EXCLUSIVE': ['writes', 'schema changes'],
  EXCLUSIVE: ['writes', 'schema changes'],
  'ACCESS EXCLUSIVE': ['reads', 'writes', 'schema changes'],
};

/** What the statement does to the table's data, which is how long it holds its lock. */
export type Work =
  | 'catalog' // a change to the catalog only: the lock is held for an instant
  | 'rows' // writes the rows it touches (row locks on them until commit)
  | 'scan' // reads the whole table
  | 'build' // builds an index: reads the whole table
  | 'rewrite' // writes a new copy of the table and its indexes
  | 'unknown'; // not analysed: assume the worst of its lock

export const WORK: Record<Work, string> = {
  catalog: 'catalog only (instant once the lock is granted)',
  rows: 'writes the rows it touches (row locks until commit)',
  scan: 'scans the whole table',
  build: 'builds an index (scans the whole table)',
  rewrite: 'rewrites the whole table and its indexes',
  unknown: 'not analysed by Gather',
};

export type Level = 'unsafe' | 'warning';

export type Rule = Readonly<{ level: Level; problem: string; safe: string }>;

export const RULES = {
  'create-index-blocking-writes': {
    level: 'unsafe',
    problem:
      'CREATE INDEX without CONCURRENTLY holds SHARE for the whole build: every write to the table waits',
    safe:
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON … (the runner runs it outside the transaction, and ' +
      'drops an INVALID index a failed build left before it tries again)',
  },
  'concurrent-index-not-restartable': {
    level: 'unsafe',
    problem:
      'a concurrent index statement runs outside the transaction: if the migration fails after it, it runs again',
    safe: 'name the index and write IF NOT EXISTS (CREATE INDEX CONCURRENTLY) or IF EXISTS (DROP INDEX CONCURRENTLY)',
  },
  'add-column-not-null-without-default': {
    level: 'unsafe',
    problem: 'ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has rows',
    safe:
      'give it a constant DEFAULT (no rewrite since PostgreSQL 11); or add it nullable, backfill in batches, ' +
      'then make it NOT NULL as set-not-null-scans says',
  },
  'add-column-volatile-default': {
    level: 'unsafe',
    problem:
      'a volatile default (random(), gen_random_uuid(), clock_timestamp(), a sequence: serial, identity) or a ' +
      'stored generated column rewrites the table under ACCESS EXCLUSIVE: reads and writes wait',
    safe: 'add the column without that default, SET DEFAULT for new rows, backfill existing rows in batches',
  },
  'set-not-null-scans': {
    level: 'unsafe',
    problem: 'SET NOT NULL scans the whole table under ACCESS EXCLUSIVE: reads and writes wait',
    safe:
      'ADD CONSTRAINT "c" CHECK ("col" IS NOT NULL) NOT VALID; in the next migration VALIDATE CONSTRAINT "c"; ' +
      'then SET NOT NULL, which PostgreSQL 12+ proves from the valid check without a scan (acknowledge it: ' +
      '-- gather:allow set-not-null-scans <the check>), and DROP CONSTRAINT "c"',
  },
  'add-foreign-key-validates': {
    level: 'unsafe',
    problem:
      'a new foreign key checks every row under SHARE ROW EXCLUSIVE on both tables: writes to both wait',
    safe: 'ADD CONSTRAINT … FOREIGN KEY … NOT VALID; then VALIDATE CONSTRAINT in the next migration',
  },
  'add-check-validates': {
    level: 'unsafe',
    problem: 'a new CHECK constraint scans the whole table under ACCESS EXCLUSIVE: reads and writes wait',
    safe: 'ADD CONSTRAINT … CHECK (…) NOT VALID; then VALIDATE CONSTRAINT in the next migration',
  },
  'validate-in-same-transaction': {
    level: 'unsafe',
    problem:
      'VALIDATE CONSTRAINT in the migration that added the constraint scans while the transaction still holds ' +
      'the lock the ADD took (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key)',
    safe: 'move VALIDATE CONSTRAINT to the next migration (it takes SHARE UPDATE EXCLUSIVE: reads and writes go on)',
  },
  'alter-column-type-rewrites': {
    level: 'unsafe',
    problem:
      "changing a column's type rewrites the table and its indexes under ACCESS EXCLUSIVE: reads and writes " +
      'wait (binary-coercible changes, such as varchar(n) to text or to a longer varchar, do not)',
    safe:
      'add a column of the new type, write both, backfill in batches, switch the code, drop the old one; a ' +
      'binary-coercible change: acknowledge it',
  },
  'add-unique-constraint-builds-index': {
    level: 'unsafe',
    problem:
      'ADD UNIQUE / PRIMARY KEY / EXCLUDE builds its index under ACCESS EXCLUSIVE: reads and writes wait',
    safe: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i" ON …; then ADD CONSTRAINT "c" UNIQUE USING INDEX "i"',
  },
  'update-every-row-in-one-statement': {
    level: 'unsafe',
    problem:
      'an UPDATE or DELETE without WHERE writes every row of the table in one transaction: each row stays ' +
      'locked until it commits, and a large table bloats by a copy of itself',
    safe:
      'move it to the migration\'s backfill.sql, with "-- gather:backfill <table>.<key> <keys per batch>" ' +
      "above it and the batch's keys as $1 and $2: run in short batches, resumable, with pauses between them",
  },
  'drop-column-breaks-running-code': {
    level: 'warning',
    problem: 'the running version of the application may still read or write this column: those queries fail',
    safe: 'first deploy code that no longer uses the column, then drop it in a later migration',
  },
  'drop-table-breaks-running-code': {
    level: 'warning',
    problem: 'the running version of the application may still use this table: those queries fail',
    safe: 'first deploy code that no longer uses the table, then drop it in a later migration',
  },
  'rename-breaks-running-code': {
    level: 'warning',
    problem: 'the running version of the application still uses the old name: its queries fail',
    safe:
      'add the new column (or table), write both, backfill, switch the code, then drop the old one in a ' +
      'later migration',
  },
} as const satisfies Record<string, Rule>;

export type RuleName = keyof typeof RULES;
