// Runs a plan against the database: each migration in its own transaction, recorded in a history table,
// under an advisory lock so that two instances upgrading at once apply each migration exactly once.
import type { Database, SqlSession } from '../client.ts';
import type { Migration } from './files.ts';
import { MigrationError } from './migration-error.ts';
import {
  type AppliedMigration,
  type DowngradeTarget,
  HISTORY_TABLE,
  planDowngrade,
  planUpgrade,
  type Step,
  stepScript,
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

async function withMigrationLock<T>(database: Database, fn: (session: SqlSession) => Promise<T>): Promise<T> {
  return database.withSession(async (session) => {
    // The server's per-connection statement and lock timeouts are for requests: a migration may build an
    // index for minutes, and a second upgrader waits here for the first. Lifted for this session only.
    await session.exec('SET statement_timeout = 0; SET lock_timeout = 0');
    try {
      await session.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await ensureHistoryTable(session);
        return await fn(session);
      } finally {
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

/** Runs each step in a transaction; a failing statement rolls that migration back, history included. */
async function runSteps(
  session: SqlSession,
  steps: readonly Step[],
  onStep: ((step: Step) => void) | undefined,
): Promise<void> {
  for (const step of steps) {
    await session.exec('BEGIN');
    try {
      await session.exec(stepScript(step));
      await session.exec('COMMIT');
    } catch (error) {
      await session.exec('ROLLBACK');
      throw new MigrationError(
        `migration ${step.migration.name} (${step.direction}) failed and was rolled back: ${(error as Error).message}`,
      );
    }
    onStep?.(step);
  }
}

export type UpgradeOptions = {
  /** Stop after this migration (inclusive); default: all. */
  target?: string;
  onApply?: (migration: Migration) => void;
};

/** Applies every pending migration in order; returns the ones it applied. */
export async function upgrade(
  database: Database,
  migrations: readonly Migration[],
  options: UpgradeOptions = {},
): Promise<Migration[]> {
  return withMigrationLock(database, async (session) => {
    // Planned under the lock: a second instance waiting here sees the first one's history.
    const steps = planUpgrade(migrations, await readHistory(session), options.target);
    await runSteps(session, steps, (step) => options.onApply?.(step.migration));
    return steps.map((step) => step.migration);
  });
}

/** Undoes applied migrations, newest first; returns the ones it undid. */
export async function downgrade(
  database: Database,
  migrations: readonly Migration[],
  to: DowngradeTarget,
  onUndo?: (migration: Migration) => void,
): Promise<Migration[]> {
  return withMigrationLock(database, async (session) => {
    const steps = planDowngrade(migrations, await readHistory(session), to);
    await runSteps(session, steps, (step) => onUndo?.(step.migration));
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
