// How `gather db upgrade` (and `serve --migrate`) wait for table locks: MIGRATION_LOCK_TIMEOUT_MS and
// MIGRATION_LOCK_ATTEMPTS (config.ts reads them; the runner applies them).

export type LockPolicy = Readonly<{
  /** lock_timeout of every statement: the longest live traffic can queue behind a migration's lock wait. */
  timeoutMs: number;
  /** A phase whose lock is not granted in time is rolled back and run again, this many times in all. */
  attempts: number;
}>;

export const DEFAULT_LOCK_POLICY: LockPolicy = { timeoutMs: 2_000, attempts: 5 };
