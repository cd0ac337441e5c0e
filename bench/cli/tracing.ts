// `gather bench tracing`: its options and help. bench/tracing.ts, loaded when it runs, runs it.
import type { Cli, GatherCommand } from '../../src/cli/program.ts';
import { positiveInteger } from '../../tools/option-values.ts';

const FULL = { requests: 4000 };
const QUICK = { requests: 600 };

export function registerTracing(bench: GatherCommand, { finish }: Cli): void {
  bench
    .command('tracing')
    .description('What per-request tracing costs, on and off')
    .option('--quick', 'a short run for CI: the CPU overhead printed, not checked')
    .option(
      '--requests <n>',
      `requests to each Gather (default ${FULL.requests}; --quick: ${QUICK.requests})`,
      positiveInteger,
    )
    .addHelpText(
      'after',
      `
Sends GET /api/articles/:slug/comments N times to each of two in-process Gathers sharing one in-memory
PGlite database, one with tracing on and one with it off, in turn; prints the median and p90 microseconds
(wall and CPU) per request of each. Then times the recorder's call when no trace is active.
PASS when tracing on costs at most 10% more median CPU per request (not checked with --quick: one short
run on a loaded machine lands either side of it), and with tracing off the recorder costs at most 200 ns
per database round trip.`,
    )
    .action(async (options: { quick?: true; requests?: number }) => {
      const { run } = await import('../tracing.ts');
      finish(
        await run({
          requests: options.requests ?? (options.quick ? QUICK : FULL).requests,
          checkOverhead: options.quick !== true,
        }),
      );
    });
}
