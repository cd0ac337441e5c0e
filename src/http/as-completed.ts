// asCompleted: the as_completed of TypeScript. Promise.all waits for every result; this yields each result
// the moment its promise settles, in completion order, so a caller can act on (stream) the fast ones first.

/**
 * Yields the values of `promises` in the order they settle. A rejection is thrown when its turn comes.
 * Every promise is observed from the call on, so none is left unhandled when the caller iterates late,
 * stops early or never starts.
 */
export function asCompleted<T>(promises: Iterable<Promise<T>>): AsyncGenerator<T, void, undefined> {
  const settled: PromiseSettledResult<T>[] = [];
  let wake: (() => void) | undefined;
  let pending = 0;
  const record = (result: PromiseSettledResult<T>): void => {
    settled.push(result);
    wake?.();
  };
  for (const promise of promises) {
    pending += 1;
    promise.then(
      (value) => record({ status: 'fulfilled', value }),
      (reason: unknown) => record({ status: 'rejected', reason }),
    );
  }
  return (async function* () {
    while (pending > 0) {
      if (settled.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      const next = settled.shift()!;
      pending -= 1;
      if (next.status === 'rejected') throw next.reason;
      yield next.value;
    }
  })();
}
