// The most recent finished request traces, kept in memory (a bounded ring) for /_gather/traces, and told to
// whoever listens (the list page's live updates) as each one is added.
import type { RequestTrace } from './recorder.ts';

export type TraceListener = (trace: RequestTrace) => void;

export class TraceStore {
  readonly #traces = new Map<string, RequestTrace>();
  readonly #listeners = new Set<TraceListener>();

  readonly capacity: number;

  constructor(capacity = 200) {
    this.capacity = capacity;
  }

  add(trace: RequestTrace): void {
    this.#traces.set(trace.id, trace);
    if (this.#traces.size > this.capacity) {
      const oldest = this.#traces.keys().next().value;
      if (oldest !== undefined) this.#traces.delete(oldest);
    }
    for (const listener of this.#listeners) listener(trace);
  }

  get(id: string): RequestTrace | undefined {
    return this.#traces.get(id);
  }

  /** In the order they finished, last first (the list page orders them by arrival). */
  list(): RequestTrace[] {
    return [...this.#traces.values()].reverse();
  }

  /** Calls `listener` with every trace added from now on; returns the unsubscribe. */
  subscribe(listener: TraceListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }
}
