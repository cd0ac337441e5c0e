// A migration's data step (backfill.sql): one statement run over a table's key in batches, each batch its own
// short transaction under lock_timeout, its progress committed with it (a kill -9 or a deploy resumes at the
// batch it stopped in), with a pause after each batch so that live traffic keeps its latency. The migration
// records it when its schema commits; the upgrade runs it to the end before the next migration.
import { setTimeout as sleep } from 'node:timers/promises';
import type { MigrationPolicy } from '../../config.ts';
import type { Database, SqlSession } from '../database.ts';
import { isLockTimeout, lockRetryPauseMs, MigrationError } from './migration-error.ts';

/** Where each backfill stands: the next key to fill from, and the last key it fills up to. */
export const BACKFILL_TABLE = 'gather_backfills';

export type Backfill = Readonly<{
  /** The table whose key the batches walk, and that key (an integer column with an index). */
  table: string;
  key: string;
  /** Keys per batch: the statement runs for keys in [$1, $2), $2 = $1 + batchKeys. */
  batchKeys: number;
  sql: string;
}>;

/** `-- gather:backfill <table>.<key column> <keys per batch>`, the first thing backfill.sql declares. */
const DIRECTIVE =
  /^--[ \t]*gather:backfill[ \t]+([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)[ \t]+([1-9][0-9]*)[ \t]*$/m;

export function parseBackfill(text: string, file: string): Backfill {
  const directive = DIRECTIVE.exec(text);
  if (directive === null) {
    throw new MigrationError(
      `${file} declares no batches: write "-- gather:backfill <table>.<key column> <keys per batch>" above its statement`,
    );
  }
  if (!text.includes('$1') || !text.includes('$2')) {
    throw new MigrationError(
      `${file}: its statement must read the batch's keys as $1 (from) and $2 (before)`,
    );
  }
  const [, table, key, batchKeys] = directive as unknown as [string, string, string, string];
  return { table, key, batchKeys: Number(batchKeys), sql: text.trim() };
}

/**
 * What registers a backfill, in the transaction that records its migration: the progress table (made by the
 * first migration that has a backfill) and the backfill's row. And what forgets it, when the migration is undone.
 */
export const registerBackfill = (name: string) => `CREATE TABLE IF NOT EXISTS "${BACKFILL_TABLE}" (
  "name" text PRIMARY KEY,
  "next_key" bigint,
  "last_key" bigint,
  "finished_at" timestamp (3) with time zone
);
INSERT INTO "${BACKFILL_TABLE}" ("name") VALUES ('${name}')`;
export const forgetBackfill = (name: string) => `DELETE FROM "${BACKFILL_TABLE}" WHERE "name" = '${name}'`;

/** Migrations whose backfill has not finished (a kill -9 or a failure stopped it), oldest first. */
export async function unfinishedBackfills(session: SqlSession): Promise<string[]> {
  const [exists] = await session.query<{ table: string | null }>(
    `SELECT to_regclass('"${BACKFILL_TABLE}"')::text AS "table"`,
  );
  if (exists?.table == null) return [];
  const rows = await session.query<{ name: string }>(
    `SELECT "name" FROM "${BACKFILL_TABLE}" WHERE "finished_at" IS NULL ORDER BY "name"`,
  );
  return rows.map((row) => row.name);
}

/** How the review (`gather db sql`) shows a backfill: what it walks and how, then its statement, as comments. */
export function describeBackfill(backfill: Backfill, pauseRatio: number): string[] {
  return [
    `then the backfill (backfill.sql), after the migration commits: "${backfill.table}" by "${backfill.key}",`,
    `${backfill.batchKeys} keys a batch, from its lowest key to its highest when it starts (rows written later`,
    "are the migration's trigger's or code's); each batch its own transaction under lock_timeout, its progress",
    `kept in "${BACKFILL_TABLE}" (a kill -9 resumes at that batch), ${pauseRatio === 0 ? 'no pause between batches' : `then a pause of ${pauseRatio} × its time`};`,
    "$1 and $2 are the batch's first key and the key after its last:",
    ...backfill.sql.split('\n').map((line) => `  ${line}`),
  ].map((line) => `-- ${line}`);
}

/**
 * The policy as it applies to a kind of database. An embedded one is this process's alone while it migrates
 * (its folder's lock; `gather serve` listens only after), so no live traffic shares it: no pauses.
 */
export function policyOn(kind: Database['kind'], policy: MigrationPolicy): MigrationPolicy {
  return kind === 'pglite' ? { ...policy, backfillPauseRatio: 0 } : policy;
}

/** How often a backfill logs its progress. */
const REPORT_EVERY_MS = 2_000;

type Progress = { next: number; last: number };

/** Where the backfill resumes: its saved position, or (first run) the table's lowest and highest keys. */
async function startingPoint(
  session: SqlSession,
  name: string,
  backfill: Backfill,
): Promise<Progress | null> {
  const [saved] = await session.query<{ next_key: string | null; last_key: string | null }>(
    `SELECT "next_key", "last_key" FROM "${BACKFILL_TABLE}" WHERE "name" = $1`,
    [name],
  );
  if (saved?.next_key != null && saved.last_key != null) {
    return { next: Number(saved.next_key), last: Number(saved.last_key) };
  }
  const [range] = await session.query<{ first: string | null; last: string | null }>(
    `SELECT min("${backfill.key}") AS "first", max("${backfill.key}") AS "last" FROM "${backfill.table}"`,
  );
  if (range?.first == null || range.last == null) return null;
  const progress = { next: Number(range.first), last: Number(range.last) };
  await session.query(`UPDATE "${BACKFILL_TABLE}" SET "next_key" = $2, "last_key" = $3 WHERE "name" = $1`, [
    name,
    progress.next,
    progress.last,
  ]);
  return progress;
}

/** One batch and its progress, in one transaction; a lock wait over lock_timeout is tried again after a pause. */
async function runBatch(
  session: SqlSession,
  name: string,
  backfill: Backfill,
  from: number,
  locks: MigrationPolicy,
  log: (line: string) => void,
): Promise<void> {
  const before = from + backfill.batchKeys;
  for (let attempt = 1; ; attempt++) {
    await session.exec('BEGIN');
    try {
      await session.query(backfill.sql, [from, before]);
      await session.query(`UPDATE "${BACKFILL_TABLE}" SET "next_key" = $2 WHERE "name" = $1`, [name, before]);
      await session.exec('COMMIT');
      return;
    } catch (error) {
      await session.exec('ROLLBACK');
      if (!isLockTimeout(error) || attempt >= locks.attempts) {
        throw new MigrationError(
          `backfill of ${name} failed at ${backfill.table}.${backfill.key} ${from}: ${(error as Error).message}; ` +
            'the batches before it are kept, and the next upgrade resumes here',
        );
      }
      const pauseMs = lockRetryPauseMs(attempt);
      log(
        `backfill of ${name}: lock not granted within ${locks.timeoutMs} ms at ${from}; retrying in ${pauseMs} ms`,
      );
      await sleep(pauseMs);
    }
  }
}

/**
 * Runs a registered backfill from where it stands to its end, then marks it finished: each batch under the
 * policy's lock timeout and attempts, followed by its pause; progress logged every `reportEveryMs`.
 */
export async function runBackfill(
  session: SqlSession,
  name: string,
  backfill: Backfill,
  locks: MigrationPolicy,
  log: (line: string) => void,
  reportEveryMs = REPORT_EVERY_MS,
): Promise<void> {
  const progress = await startingPoint(session, name, backfill);
  if (progress !== null) {
    const total = progress.last - progress.next + 1;
    const started = performance.now();
    let reported = started;
    const what = `backfill of ${name} (${backfill.table}.${backfill.key})`;
    log(`${what}: keys ${progress.next} to ${progress.last}, ${backfill.batchKeys} a batch`);
    for (let from = progress.next; from <= progress.last; from += backfill.batchKeys) {
      const batchStart = performance.now();
      await runBatch(session, name, backfill, from, locks, log);
      const now = performance.now();
      if (now - reported >= reportEveryMs) {
        reported = now;
        const done = Math.min(from + backfill.batchKeys - progress.next, total);
        const perSecond = done / ((now - started) / 1000);
        log(
          `${what}: ${done} of ${total} keys (${Math.floor((100 * done) / total)} %), ` +
            `${Math.round(perSecond)} keys/s, about ${Math.ceil((total - done) / perSecond)} s left`,
        );
      }
      await sleep((now - batchStart) * locks.backfillPauseRatio);
    }
    log(`${what}: done, ${total} keys in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await session.query(`UPDATE "${BACKFILL_TABLE}" SET "finished_at" = now() WHERE "name" = $1`, [name]);
}
