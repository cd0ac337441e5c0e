// `gather bench startup`: its options and help. bench/startup.ts, loaded when it runs, runs it.
import type { Cli, GatherCommand } from '../../src/cli/program.ts';
import { positiveInteger } from '../../tools/option-values.ts';

const ROUNDS = 3;

export function registerStartup(bench: GatherCommand, { finish }: Cli): void {
  bench
    .command('startup')
    .description("Start-up time and idle memory, as users start Gather (issue 22's targets)")
    .option('--smoke', 'one round, the figures printed and the targets not checked (CI)')
    .option('--rounds <n>', `rounds (default ${ROUNDS})`, positiveInteger)
    .addHelpText(
      'after',
      `
Builds Gather (npm run build), then, each round: gather --version from the source checkout and compiled;
gather serve on a new embedded folder and on the same folder again, as npm start runs it; and compiled on
PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a scratch database, dropped after),
as npm run start:dist runs it. Prints the median of the rounds: ms until GET /api/tags first answers, and the
resident memory 1 s later. PASS/FAIL per target: --version ≤ 300 ms, a first answer ≤ 3 s, idle RSS ≤ 200 MB
on PGlite and ≤ 80 MB on PostgreSQL.`,
    )
    .action(async (options: { smoke?: true; rounds?: number }) => {
      const { run } = await import('../startup.ts');
      finish(
        await run({ rounds: options.smoke ? 1 : (options.rounds ?? ROUNDS), checkTargets: !options.smoke }),
      );
    });
}
