// What the load generator is told, and what it answers (tools/harness/load-runner.ts, its own process).
import type { StatusLatency } from './stats.ts';

export type LoadSpec = {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** JSON body; every `[<id>]` in it becomes a fresh id per request. */
  body?: string;
  connections: number;
  seconds: number;
  clients: 'autocannon' | 'retry-after';
};

/** What a run prints: autocannon's figures, and the latencies per status code. */
export type RunFigures = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  byStatus: StatusLatency;
};
