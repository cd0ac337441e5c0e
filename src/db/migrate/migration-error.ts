// An expected, explained failure of `gather db` (refused migration, bad setting): the CLI prints its
// message as one line and exits 1, without a stack trace.
import { CommandError } from '../../command-error.ts';

export class MigrationError extends CommandError {
  override name = 'MigrationError';
}
