// `gather bench parallel`: its options and help. bench/parallel.ts, loaded when it runs, runs it.
import type { Cli, GatherCommand } from '../../src/cli/program.ts';
import { positiveInteger, positiveNumber } from '../../tools/option-values.ts';
import { DEFAULT_DATABASE_URL } from '../lib/postgres-server.ts';

const FULL = { seconds: 5, rounds: 4 };
const QUICK = { seconds: 2, rounds: 2 };
/** About 0.5 s of CPU on the machine this was written on: well above a round trip and its noise. */
const STUCK_ITERATIONS = 200_000_000;

type ParallelCommandOptions = {
  quick?: true;
  rtt: number;
  stuck: number;
  seconds?: number;
  rounds?: number;
  connections: number;
  http: boolean;
};

export function registerParallel(bench: GatherCommand, { finish }: Cli): void {
  bench
    .command('parallel')
    .description('The errands lab: serial, concurrent and parallel')
    .option('--quick', 'a short run for CI')
    .option(
      '--rtt <ms>',
      'round-trip time the delay proxy adds to each database round trip',
      positiveNumber,
      50,
    )
    .option('--stuck <n>', "iterations of the stuck errand's CPU loop", positiveInteger, STUCK_ITERATIONS)
    .option(
      '--seconds <s>',
      `length of one HTTP load run (default ${FULL.seconds}; --quick: ${QUICK.seconds})`,
      positiveNumber,
    )
    .option(
      '--rounds <r>',
      `HTTP runs per worker count, alternating between the two servers (default ${FULL.rounds}; --quick: ${QUICK.rounds})`,
      positiveInteger,
    )
    .option('--connections <c>', 'concurrent HTTP connections', positiveInteger, 16)
    .option('--no-http', 'the errands lab only')
    .addHelpText(
      'after',
      `
PostgreSQL from DATABASE_URL (default ${DEFAULT_DATABASE_URL}); the HTTP part works in a
database of its own, created and dropped here.
Exit code 1 if a check FAILs.`,
    )
    .action(async (options: ParallelCommandOptions) => {
      const length = options.quick ? QUICK : FULL;
      const { run } = await import('../parallel.ts');
      finish(
        await run({
          rttMs: options.rtt,
          stuckIterations: options.stuck,
          seconds: options.seconds ?? length.seconds,
          rounds: options.rounds ?? length.rounds,
          connections: options.connections,
          http: options.http,
        }),
      );
    });
}
