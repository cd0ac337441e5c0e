// `gather bench login-storm`: its options and help. bench/login-storm.ts, loaded when it runs, runs it.
import type { Cli, GatherCommand } from '../../src/cli/program.ts';
import { positiveInteger, positiveNumber } from '../../tools/option-values.ts';

const FULL = { seconds: 5, rounds: 3 };
const QUICK = { seconds: 2, rounds: 2 };

export function registerLoginStorm(bench: GatherCommand, { finish }: Cli): void {
  bench
    .command('login-storm')
    .description('GET /api/tags p99 while logins hash passwords')
    .option('--quick', 'a short run for CI')
    .option(
      '--seconds <s>',
      `length of each phase (default ${FULL.seconds}; --quick: ${QUICK.seconds})`,
      positiveNumber,
    )
    .option(
      '--rounds <r>',
      `quiet + storm pairs (default ${FULL.rounds}; --quick: ${QUICK.rounds})`,
      positiveInteger,
    )
    .option('--logins <n>', "concurrent login loops (the size of libuv's thread pool)", positiveInteger, 4)
    .option('--burst <n>', 'then, people signing in at the same moment', positiveInteger, 40)
    .addHelpText(
      'after',
      `
Starts \`gather serve\` (PGlite in a temporary folder, NODE_ENV=production), then measures GET /api/tags
latency, one request at a time, for S seconds while quiet and S seconds during N concurrent login loops,
R times in turn (so that a machine's changing background load weighs on both alike).
PASS when the storm p99 is at most 2 × the quiet p99 (with --quick, printed but not enforced: on 2 cores a
short run's p99s are too noisy) and no tags request or event-loop delay waited half a hash (40 ms). Then B people sign in at the same moment (--burst): the
statuses and when the last answer came.`,
    )
    .action(
      async (options: { quick?: true; seconds?: number; rounds?: number; logins: number; burst: number }) => {
        const length = options.quick ? QUICK : FULL;
        const { run } = await import('../login-storm.ts');
        finish(
          await run({
            seconds: options.seconds ?? length.seconds,
            rounds: options.rounds ?? length.rounds,
            logins: options.logins,
            burst: options.burst,
            ratioEnforced: !options.quick,
          }),
        );
      },
    );
}
