// The hook through which an observer (tracing) times what Gather waits for: each database round trip, each
// wait for a pool connection, each hash in a hashing thread, each part of a streamed response written to the
// connection ('flush'). The database client and the features call it and know nothing of who listens; the
// composition root (boot.ts) decides whether anyone does.

export type CallKind = 'query' | 'pool-wait' | 'io' | 'flush';

/**
 * Runs `run`, one awaited call to `peer` ('Database', 'Pool', 'Hash pool'), under the observer's eye. A query
 * also hands over its parameter values: the observer may fingerprint them (tracing keeps hashes, never the
 * values) and reads the rows from the result.
 */
export type Instrument = <T>(
  kind: CallKind,
  name: string,
  peer: string,
  run: () => Promise<T>,
  params?: readonly unknown[],
) => Promise<T>;

/** No observer: the call itself. */
export const uninstrumented: Instrument = (_kind, _name, _peer, run) => run();
