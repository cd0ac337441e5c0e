// What a request may wait for in db/, and for how long: every wait a statement makes — for a bulkhead slot, a
// pool connection — ends at the request's deadline (request-budget.ts) with OverCapacity (503 with
// Retry-After), never later. A bulkhead caps the pool connections one feature's requests hold at once, so that
// a table stuck behind a lock starves its own routes and not the others. Outside a request (migrations,
// seeding, tests of the pool itself) there is no budget and nothing is gated.
import { currentBulkhead, msLeft, OverCapacity } from '../request-budget.ts';

/**
 * `pending`, unless the current request's deadline passes first: then OverCapacity, and whatever `pending`
 * yields later is handed to `abandon` (a pool connection is released, not leaked).
 */
export function untilDeadline<T>(pending: Promise<T>, what: string, abandon: (value: T) => void): Promise<T> {
  const left = msLeft();
  if (left === Number.POSITIVE_INFINITY) return pending;
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(
      () => {
        late = true;
        reject(new OverCapacity(`no ${what} within the request's deadline`));
      },
      Math.max(0, left),
    );
    pending.then(
      (value) => {
        clearTimeout(timer);
        if (late) abandon(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!late) reject(error);
      },
    );
  });
}

/** Per-feature caps on pool connections: enter() before taking one, call what it returns after. */
export type Bulkheads = Readonly<{ enter(): Promise<() => void> }>;

const NOTHING_TO_RELEASE = () => {};

export function createBulkheads(slotsPerFeature: number): Bulkheads {
  const heads = new Map<string, { inUse: number; waiting: (() => void)[] }>();
  const headOf = (name: string) => {
    const found = heads.get(name);
    if (found !== undefined) return found;
    const head = { inUse: 0, waiting: [] as (() => void)[] };
    heads.set(name, head);
    return head;
  };
  return {
    enter: async () => {
      const name = currentBulkhead();
      if (name === undefined) return NOTHING_TO_RELEASE;
      const head = headOf(name);
      // A slot freed by release() passes straight to the first waiter: inUse never drops below the queue.
      const release = () => {
        const next = head.waiting.shift();
        if (next === undefined) head.inUse -= 1;
        else next();
      };
      if (head.inUse < slotsPerFeature) {
        head.inUse += 1;
        return release;
      }
      let admitted!: () => void;
      const turn = new Promise<void>((resolve) => {
        admitted = resolve;
      });
      head.waiting.push(admitted);
      await untilDeadline(turn, `${name} connection slot`, release).catch((error: unknown) => {
        // Gone from the queue; if it was admitted meanwhile, `abandon` (release) passes the slot on.
        const at = head.waiting.indexOf(admitted);
        if (at !== -1) head.waiting.splice(at, 1);
        throw error;
      });
      return release;
    },
  };
}
