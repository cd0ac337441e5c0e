// Runs a plan against the database: each migration in its own transaction (CONCURRENTLY statements alone,
// outside it), recorded in a history table, under an advisory lock so that two instances upgrading at once
// apply each migration exactly once. Every statement waits at most lock_timeout for its table lock, and a
// phase that times out is rolled back and retried: live traffic never queues behind a migration's lock wait
// for longer than that.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MIGRATION_POLICY, type MigrationPolicy } from '../../config.ts';
import type { Database, SqlSession } from '../database.ts';
import { policyOn, runBackfill, unfinishedBackfills } from './backfill.ts';
import type { Migration } from './files.ts';
import { isLockTimeout, lockRetryPauseMs, MigrationError } from './migration-error.ts';
import {
  type AppliedMigration,
  type DowngradeTarget,
  HISTORY_TABLE,
  type Phase,
  type PlannedStep,
  planDowngrade,
  planSteps,
  planUpgrade,
  type Step,
  unsafeStatements,
} from './plan.ts';

export { MigrationError };

/** pg_advisory_lock key: any constant unique to Gather's migrations. */
export const MIGRATION_LOCK_KEY = 4_715_262_001;

async function ensureHistoryTable(session: SqlSession): Promise<void> {
  await session.exec(`CREATE TABLE IF NOT EXISTS "${HISTORY_TABLE}" (
  "name" text PRIMARY KEY,
  "checksum" text NOT NULL,
  "applied_at" timestamp (3) with time zone DEFAULT now() NOT NULL
)`);
}

/** Applied migrations, oldest first; none when the history table does not exist yet (creates nothing). */
async function readHistory(session: SqlSession): Promise<AppliedMigration[]> {
  const [exists] = await session.query<{ table: string | null }>(
    `SELECT to_regclass('"${HISTORY_TABLE}"')::text AS "table"`,
  );
  if (exists?.table == null) return [];
  const rows = await session.query<{ name: string; checksum: string; applied_at: Date }>(
    `SELECT "name", "checksum", "applied_at" FROM "${HISTORY_TABLE}" ORDER BY "name"`,
  );
  return rows.map((row) => ({ name: row.name, checksum: row.checksum, appliedAt: new Date(row.applied_at) }));
}

/**
 * Takes the migration lock by trying it until it is free, never by queueing in pg_advisory_lock: a statement
 * queued there holds a snapshot, and the holder's CREATE INDEX CONCURRENTLY waits for every older snapshot to
 * end, a deadlock PostgreSQL breaks by failing one of the two instances' start-up.
 */
async function takeMigrationLock(session: SqlSession, log: (line: string) => void): Promise<void> {
  for (let pauseMs = 50; ; pauseMs = Math.min(pauseMs * 2, 1_000)) {
    const [row] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS "locked"', [
      MIGRATION_LOCK_KEY,
    ]);
    if (row?.locked === true) return;
    if (pauseMs === 50) log('waiting for the migration lock: another instance is migrating');
    await sleep(pauseMs);
  }
}

/** What migrating needs of a database: which kind it is, and a session. */
type Migratable = Pick<Database, 'kind' | 'withSession'>;

async function withMigrationLock<T>(
  database: Migratable,
  locks: MigrationPolicy,
  log: (line: string) => void,
  fn: (session: SqlSession) => Promise<T>,
): Promise<T> {
  return database.withSession(async (session) => {
    // The server's per-connection statement timeout is for requests: a migration may build an index for
    // minutes. A second upgrader waits for the advisory lock as long as the first one migrates, then every
    // statement of the migration waits at most locks.timeoutMs for its table lock. Lifted for this session only.
    await session.exec('SET statement_timeout = 0; SET lock_timeout = 0');
    try {
      await takeMigrationLock(session, log);
      try {
        await ensureHistoryTable(session);
        await session.exec(`SET lock_timeout = ${Math.trunc(locks.timeoutMs)}`);
        return await fn(session);
      } finally {
        await session.exec('SET lock_timeout = 0');
        await session.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      await session.exec('RESET statement_timeout; RESET lock_timeout');
    }
  });
}

/** Reads the history without the lock and without creating anything: for dry runs and reports. */
export async function history(database: Database): Promise<AppliedMigration[]> {
  return database.withSession(readHistory);
}

/** A failed statement, with the line of the migration file it is on. */
class StatementFailed extends Error {
  readonly line: number;
  readonly error: unknown;
  constructor(line: number, error: unknown) {
    super((error as Error).message);
    this.line = line;
    this.error = error;
  }
}

async function execEach(session: SqlSession, phase: Phase): Promise<void> {
  for (const { annotation, sql } of phase.statements) {
    try {
      await session.exec(sql);
    } catch (error) {
      throw new StatementFailed(annotation.statement.line, error);
    }
  }
  if (phase.record !== undefined) await session.exec(phase.record);
}

/** Drops the INVALID index a failed CREATE INDEX CONCURRENTLY left (IF NOT EXISTS would keep it as it is). */
async function dropInvalidIndex(
  session: SqlSession,
  name: string,
  log: (line: string) => void,
): Promise<void> {
  const [row] = await session.query<{ invalid: boolean }>(
    'SELECT NOT i.indisvalid AS "invalid" FROM pg_index i WHERE i.indexrelid = to_regclass($1)',
    [`"${name.replaceAll('"', '""')}"`],
  );
  if (row?.invalid !== true) return;
  log(`dropping the INVALID index "${name}" a failed build left, before building it again`);
  await session.exec(`DROP INDEX CONCURRENTLY IF EXISTS "${name.replaceAll('"', '""')}"`);
}

async function runPhase(session: SqlSession, phase: Phase, log: (line: string) => void): Promise<void> {
  if (!phase.transaction) {
    const built = phase.statements[0]?.annotation.builds;
    if (built !== undefined) await dropInvalidIndex(session, built, log);
    await execEach(session, phase);
    return;
  }
  await session.exec('BEGIN');
  try {
    await execEach(session, phase);
    await session.exec('COMMIT');
  } catch (error) {
    await session.exec('ROLLBACK');
    throw error;
  }
}

/** Runs a phase; one whose lock wait timed out is tried again after a pause that doubles each time. */
async function runPhaseWithRetries(
  session: SqlSession,
  step: PlannedStep,
  phase: Phase,
  locks: MigrationPolicy,
  log: (line: string) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runPhase(session, phase, log);
    } catch (error) {
      const cause = error instanceof StatementFailed ? error.error : error;
      if (!isLockTimeout(cause) || attempt >= locks.attempts) throw error;
      const pauseMs = lockRetryPauseMs(attempt);
      const line = error instanceof StatementFailed ? ` line ${error.line}` : '';
      log(
        `${step.file}${line}: lock not granted within ${locks.timeoutMs} ms (attempt ${attempt} of ` +
          `${locks.attempts}); rolled back, retrying in ${pauseMs / 1000} s`,
      );
      await sleep(pauseMs);
    }
  }
}

/** The one line that says why a step stopped, and what of it stays applied. */
function stepError(
  step: PlannedStep,
  phase: Phase,
  error: unknown,
  committed: number,
  locks: MigrationPolicy,
): MigrationError {
  const failed = error instanceof StatementFailed ? error : undefined;
  const cause = failed?.error ?? error;
  const where = failed === undefined ? '' : ` at ${step.file} line ${failed.line}`;
  const what = `migration ${step.migration.name} (${step.direction})`;
  let outcome: string;
  if (!phase.transaction) {
    outcome =
      'it ran outside a transaction (CONCURRENTLY): an index it was building is left INVALID, and the next ' +
      'upgrade drops it before building it again';
  } else if (committed === 0) outcome = 'it was rolled back';
  else {
    outcome =
      'this transaction was rolled back; what ran before it outside a transaction (CONCURRENTLY) stays, and ' +
      'the next upgrade runs the migration again from its start';
  }
  if (isLockTimeout(cause)) {
    return new MigrationError(
      `${what}${where} did not get its lock within ${locks.timeoutMs} ms in ${locks.attempts} attempts ` +
        `(a long transaction holds the table; see pg_stat_activity); ${outcome}`,
    );
  }
  if (phase.transaction && committed === 0) {
    return new MigrationError(`${what} failed and was rolled back: ${(cause as Error).message}`);
  }
  return new MigrationError(`${what} failed${where}: ${(cause as Error).message}; ${outcome}`);
}

/**
 * Runs each step phase by phase; a failing transaction rolls back, history included. An applied migration's
 * backfill runs to its end before the next migration, which may rely on the data it fills.
 */
async function runSteps(
  session: SqlSession,
  steps: readonly PlannedStep[],
  locks: MigrationPolicy,
  log: (line: string) => void,
  onStep: ((step: Step) => void) | undefined,
): Promise<void> {
  for (const step of steps) {
    let committed = 0;
    for (const phase of step.phases) {
      try {
        await runPhaseWithRetries(session, step, phase, locks, log);
      } catch (error) {
        throw stepError(step, phase, error, committed, locks);
      }
      committed++;
    }
    const { name, backfill } = step.migration;
    if (step.direction === 'up' && backfill !== undefined) {
      await runBackfill(session, name, backfill, locks, log);
    }
    onStep?.(step);
  }
}

/** Finishes the backfills a kill -9, a deploy or a failure stopped, where each stopped. */
async function resumeBackfills(
  session: SqlSession,
  migrations: readonly Migration[],
  locks: MigrationPolicy,
  log: (line: string) => void,
): Promise<void> {
  for (const name of await unfinishedBackfills(session)) {
    const backfill = migrations.find((migration) => migration.name === name)?.backfill;
    if (backfill === undefined)
      throw new MigrationError(`${name} has an unfinished backfill but no backfill.sql`);
    log(`resuming the backfill of ${name}`);
    await runBackfill(session, name, backfill, locks, log);
  }
}

export type RunOptions = {
  /** How long each statement waits for its lock, and how often a phase is tried (default DEFAULT_MIGRATION_POLICY). */
  locks?: MigrationPolicy;
  /** Progress worth telling the operator (a lock retry, an INVALID index dropped); default: stderr. */
  log?: (line: string) => void;
};

export type UpgradeOptions = RunOptions & {
  /** Stop after this migration (inclusive); default: all. */
  target?: string;
  /** Apply unsafe statements that no `-- gather:allow` acknowledges (`gather db upgrade --allow-unsafe`). */
  allowUnsafe?: boolean;
  onApply?: (migration: Migration) => void;
};

const logToStderr = (line: string) => console.error(`gather: ${line}`);

/** Applies every pending migration in order; returns the ones it applied. */
export async function upgrade(
  database: Migratable,
  migrations: readonly Migration[],
  options: UpgradeOptions = {},
): Promise<Migration[]> {
  const locks = policyOn(database.kind, options.locks ?? DEFAULT_MIGRATION_POLICY);
  const log = options.log ?? logToStderr;
  return withMigrationLock(database, locks, log, async (session) => {
    // Planned under the lock: a second instance waiting here sees the first one's history.
    const steps = await planSteps(planUpgrade(migrations, await readHistory(session), options.target), {
      concurrently: database.kind === 'postgres',
    });
    const unsafe = unsafeStatements(steps);
    if (unsafe.length > 0 && options.allowUnsafe !== true) {
      throw new MigrationError(
        `refused: ${unsafe.length} unsafe statement(s) on a live table, nothing applied ` +
          '(`gather db sql` shows each annotated):\n' +
          `${unsafe.join('\n')}\n` +
          'Rewrite it as safe says; or acknowledge it in up.sql with `-- gather:allow <rule> <why>` (shown in ' +
          'review); or apply it anyway with `gather db upgrade --allow-unsafe`',
      );
    }
    await resumeBackfills(session, migrations, locks, log);
    await runSteps(session, steps, locks, log, (step) => options.onApply?.(step.migration));
    return steps.map((step) => step.migration);
  });
}

/** Undoes applied migrations, newest first; returns the ones it undid. Not linted: an undo is not refused. */
export async function downgrade(
  database: Database,
  migrations: readonly Migration[],
  to: DowngradeTarget,
  onUndo?: (migration: Migration) => void,
  options: RunOptions = {},
): Promise<Migration[]> {
  const locks = options.locks ?? DEFAULT_MIGRATION_POLICY;
  const log = options.log ?? logToStderr;
  return withMigrationLock(database, locks, log, async (session) => {
    const steps = await planSteps(planDowngrade(migrations, await readHistory(session), to), {
      concurrently: database.kind === 'postgres',
    });
    await runSteps(session, steps, locks, log, (step) => onUndo?.(step.migration));
    return steps.map((step) => step.migration);
  });
}

/** Migrations not yet applied, in order. */
export async function pending(database: Database, migrations: readonly Migration[]): Promise<Migration[]> {
  const steps = planUpgrade(migrations, await history(database));
  return steps.map((step) => step.migration);
}

/** Names of the tables in the schema migrations apply to (the first one on search_path). */
export async function existingTables(database: Database): Promise<string[]> {
  const rows = await database.withSession((session) =>
    session.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = current_schema() ORDER BY table_name`,
    ),
  );
  return rows.map((row) => row.table_name);
}
