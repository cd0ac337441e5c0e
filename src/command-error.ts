// An expected failure that ends a command: bad configuration, a database that cannot be opened, a port in use,
// a data folder held by another process, a refused migration. The CLI prints it as one line (`gather: …`)
// and exits 1; any other error is a bug and keeps its stack trace.
export class CommandError extends Error {
  override name = 'CommandError';
}
