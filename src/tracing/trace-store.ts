// The most recent finished request traces, kept in memory (a bounded ring) for /_gather/traces.
import type { RequestTrace } from './recorder.ts';

export class TraceStore {
  readonly #traces = new Map<string, RequestTrace>();

  constructor(readonly capacity = 200) {}

  add(trace: RequestTrace): void {
    this.#traces.set(trace.id, trace);
    if (this.#traces.size > this.capacity) {
      const oldest = this.#traces.keys().next().value;
      if (oldest !== undefined) this.#traces.delete(oldest);
    }
  }

  get(id: string): RequestTrace | undefined {
    return this.#traces.get(id);
  }

  /** Newest first. */
  list(): RequestTrace[] {
    return [...this.#traces.values()].reverse();
  }
}
