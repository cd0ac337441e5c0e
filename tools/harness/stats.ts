// The summary figures the benchmarks and scenarios print: nearest-rank percentiles, the median, latencies
// by status code.

/** The nearest-rank percentile `p` (0–100] of `values` (in any order); NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

/** The middle value; with an even count, the mean of the two middle ones (two rounds: their mean). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Per status code: how many answers, and their latency percentiles in ms. */
export type StatusLatency = Record<string, { count: number; p50: number; p99: number; max: number }>;

/** Latencies (ms) recorded by status code, summed up. */
export function byStatus(latencies: ReadonlyMap<number, readonly number[]>): StatusLatency {
  return Object.fromEntries(
    [...latencies].map(([status, ms]) => [
      status,
      { count: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: percentile(ms, 100) },
    ]),
  );
}
