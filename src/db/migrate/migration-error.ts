// An expected, explained failure of `gather db` (refused migration, bad setting): the CLI prints its
// message as one line and exits 1, without a stack trace. And when a lock not granted is worth another try.
import { CommandError } from '../../command-error.ts';

export class MigrationError extends CommandError {
  override name = 'MigrationError';
}

/** PostgreSQL's lock_not_available: lock_timeout expired before the lock was granted. */
export const isLockTimeout = (error: unknown) => (error as { code?: unknown }).code === '55P03';

/** The pause before a step whose lock was not granted is tried again: it doubles each time, up to 30 s. */
export const lockRetryPauseMs = (attempt: number) => Math.min(1_000 * 2 ** (attempt - 1), 30_000);
