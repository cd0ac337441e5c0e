// The memory start-up used, given back before the server listens. V8 grows a heap's young generation to what
// start-up allocates (32 MB on Node 24) and keeps it until the next collection, and its memory reducer, which
// shrinks an idle heap, is armed only by a full collection; a server that then waits for requests allocates
// almost nothing, so neither comes and the process holds start-up's size for good. One collection of
// everything (V8's last-resort kind: the young generation shrunk, start-up's code dropped, freed pages handed
// back to the OS) gives it back: ~40 MB on this thread, ~10 MB on PGlite's (docs/performance.md).
// And start-up's code is not optimised at all: it runs once, so V8's optimising compilers wait until the server
// listens; what their work would leave behind (their own code paged in, their scratch memory) stays out.
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

/** A choice of V8's compilers made on Node's command line or in NODE_OPTIONS: Gather leaves it alone. */
const COMPILER_FLAG = /--(?:no[-_])?(?:maglev|turbofan|opt|jitless|lite[-_]mode|max[-_]opt)(?![\w-])/;

/**
 * Where V8 runs both optimising compilers unless told otherwise: V8 12 and later (Node 22 and later) on x64 and
 * arm64. Elsewhere nothing is held, since letting go sets the flags on, which would turn on a compiler that was
 * off (Maglev on Node 20) or that V8 was built without.
 */
const COMPILERS_ON_BY_DEFAULT =
  (process.arch === 'x64' || process.arch === 'arm64') && Number(process.versions.v8.split('.')[0]) >= 12;

/** V8's flags are the process's: so is whether Gather holds its compilers. */
let held = false;

/**
 * Holds V8's optimising compilers, Maglev and TurboFan, until releaseOptimisingCompilers(). The interpreter
 * and Sparkplug, V8's baseline compiler, run start-up as always; a function start-up calls often (Node's module
 * loader, schema compilers) would otherwise be optimised, and the compilers' code, read in from the node binary,
 * and their scratch memory on V8's worker threads stay with the process: ~10 MB of an idle server on PostgreSQL
 * (docs/performance.md). Nothing is lost: what requests run hot is optimised once they come.
 */
export function holdOptimisingCompilers(): void {
  const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => COMPILER_FLAG.test(arg));
  if (held || chosen || !COMPILERS_ON_BY_DEFAULT) return;
  v8.setFlagsFromString('--no-maglev');
  v8.setFlagsFromString('--no-turbofan');
  held = true;
}

/** Lets V8's optimising compilers run again; does nothing when they are not held. */
export function releaseOptimisingCompilers(): void {
  if (!held) return;
  v8.setFlagsFromString('--maglev');
  v8.setFlagsFromString('--turbofan');
  held = false;
}
