// An expected, explained failure of `gather db` (refused migration, bad setting): the CLI prints its
// message as one line and exits 1, without a stack trace.
export class MigrationError extends Error {
  override name = 'MigrationError';
}
