// The hook through which an observer (tracing) times what Gather waits for: each database round trip, each
// wait for a pool connection, each hash in a hashing thread. The database client and the features call it
// and know nothing of who listens; the composition root (boot.ts) decides whether anyone does.

export type CallKind = 'query' | 'pool-wait' | 'io';

/** Runs `run`, one awaited call to `peer` ('Database', 'Pool', 'Hash pool'), under the observer's eye. */
export type Instrument = <T>(kind: CallKind, name: string, peer: string, run: () => Promise<T>) => Promise<T>;

/** No observer: the call itself. */
export const uninstrumented: Instrument = (_kind, _name, _peer, run) => run();
