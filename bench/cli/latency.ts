// `gather bench latency`: its options and help. bench/latency.ts, loaded when it runs, runs it.
import type { Cli, GatherCommand } from '../../src/cli/program.ts';
import { numberAtLeast, positiveInteger } from '../../tools/option-values.ts';
import { DEFAULT_DATABASE_URL } from '../lib/postgres-server.ts';

const FULL = { runs: 50, ladderSamples: 200 };
const QUICK = { runs: 10, ladderSamples: 20 };

export function registerLatency(bench: GatherCommand, { finish }: Cli): void {
  bench
    .command('latency')
    .description('Serial vs concurrent reads with a real network delay')
    .option('--rtt <ms>', 'added round-trip time', numberAtLeast(0), 20)
    .option('--runs <n>', `runs of each flow (default ${FULL.runs}; --quick: ${QUICK.runs})`, positiveInteger)
    .option('--quick', 'a short run for CI (about 20 s)')
    .addHelpText(
      'after',
      `
Puts a delaying TCP proxy (+MS round-trip time) between Gather and PostgreSQL (DATABASE_URL, default
${DEFAULT_DATABASE_URL}; the lab creates and drops a database of its own there),
then reads one article and its comments N times serially (await, await) and N times concurrently
(GET ?include=comments, Promise.all). Prints median/p95 in ms and CPU cycles, the serial/concurrent ratio, both flows' Mermaid
diagrams and this machine's latency ladder.
PASS when the concurrent median ≤ 1.15 × RTT + 2 ms and serial/concurrent ≥ 1.8.`,
    )
    .action(async (options: { rtt: number; runs?: number; quick?: true }) => {
      const length = options.quick ? QUICK : FULL;
      const { run } = await import('../latency.ts');
      finish(
        await run({
          rttMs: options.rtt,
          runs: options.runs ?? length.runs,
          ladderSamples: length.ladderSamples,
        }),
      );
    });
}
