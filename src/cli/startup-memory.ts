// The memory start-up used, given back before the server listens. V8 grows a heap's young generation to what
// start-up allocates (32 MB on Node 24) and keeps it until the next collection, and its memory reducer, which
// shrinks an idle heap, is armed only by a full collection; a server that then waits for requests allocates
// almost nothing, so neither comes and the process holds start-up's size for good. One collection of
// everything (V8's last-resort kind: the young generation shrunk, start-up's code dropped, freed pages handed
// back to the OS) gives it back: ~40 MB on this thread, ~10 MB on PGlite's (docs/performance.md).
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * One full collection of this thread's heap, taking ~0.1 s: for a moment when no request waits. A Node whose
 * V8 would not give gc() this way starts as before, holding the memory (test/cli/startup-memory.test.ts fails).
 */
export function collectStartupGarbage(): void {
  // V8's gc() exists only with --expose-gc; the flag set now gives it to contexts made from now on (this one).
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('globalThis.gc') as Gc | undefined;
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
