// `npm run reliability [-- <scenario> [options]]`: the slow reliability scenarios, each printing its figures and
// PASS/FAIL lines, then a summary. No scenario named: all of them. Exit code 1 when any fails.
import { performance } from 'node:perf_hooks';
import type { OptionValues } from 'commander';
import { type Cli, EXIT, type GatherCommand, runCli } from '../../src/cli/program.ts';
import { integer, positiveInteger } from '../option-values.ts';
import type { AccountsOptions } from './accounts.ts';
import type { CrashOptions } from './crash.ts';
import type { FuzzOptions } from './fuzz.ts';
import type { MidFlightOptions } from './mid-flight.ts';
import type { MigrateLiveOptions } from './migrate-live.ts';
import type { OverloadOptions } from './overload.ts';
import type { ReplicasOptions } from './replicas.ts';
import type { SearchLiveOptions } from './search-live.ts';
import type { StuckLockOptions } from './stuck-lock.ts';

type Scenario = Readonly<{ name: string; run(): Promise<boolean> }>;

/** Runs the scenarios in turn (one that throws has failed) and prints the summary; returns the exit code. */
async function runScenarios(scenarios: readonly Scenario[]): Promise<number> {
  const results: { name: string; passed: boolean; seconds: number }[] = [];
  for (const { name, run } of scenarios) {
    const started = performance.now();
    let passed = false;
    try {
      passed = await run();
    } catch (error) {
      console.error(`reliability ${name}:`, error);
    }
    results.push({ name, passed, seconds: (performance.now() - started) / 1000 });
    console.log('');
  }
  console.log('reliability summary');
  for (const { name, passed, seconds } of results) {
    console.log(`  ${passed ? 'PASS' : 'FAIL'} ${name.padEnd(10)} ${seconds.toFixed(1)} s`);
  }
  return results.every(({ passed }) => passed) ? EXIT.ok : EXIT.failed;
}

/** The stuck-lock scenario's options; the accounts scenario ends with it. */
/** migrate-live's and search-live's options: the large dataset, its load and how long each phase lasts. */
const liveOptions = (command: GatherCommand) =>
  command
    .option(
      '--articles <n>',
      'articles seeded (gather seed --size large: 1,000,000)',
      positiveInteger,
      1_000_000,
    )
    .option('--seconds <s>', 'load time per phase, at least', positiveInteger, 10)
    .option('--clients <n>', 'clients, half reading and half writing', positiveInteger, 16);

const stuckLockOptions = (command: GatherCommand) =>
  command
    .option('--hold-seconds <s>', 'how long the articles table is held locked', positiveInteger, 20)
    .option('--article-readers <n>', 'clients reading articles while it is held', positiveInteger, 60);

function register({ program, finish }: Cli): void {
  const scenarios: Scenario[] = [];
  /** A sub-command for one scenario: its options declared by `declare`, its file loaded only when it runs. */
  const scenario = <O extends OptionValues>(
    name: string,
    description: string,
    load: () => Promise<{ run(options: O): Promise<boolean> }>,
    declare: (command: GatherCommand) => GatherCommand = (command) => command,
  ) => {
    const command = declare(program.command(name).description(description));
    // Until the command line is parsed, opts() holds the defaults: what `all` runs the scenario with.
    const entry: Scenario = { name, run: async () => (await load()).run(command.opts<O>()) };
    scenarios.push(entry);
    command.action(async () => finish(await runScenarios([entry])));
  };

  scenario<FuzzOptions>(
    'fuzz',
    'Stateful and hostile request sequences, in process, on PGlite and on a scratch PostgreSQL database',
    () => import('./fuzz.ts'),
    (command) =>
      command
        .option('--runs <n>', 'sequences to run on each database', positiveInteger, 10_000)
        .option('--seed <n>', "the fuzzer's seed (default: a new one, printed for a rerun)", integer),
  );
  scenario<CrashOptions>(
    'crash',
    'Kill -9 under write load on PostgreSQL and PGlite: 0 acknowledged lost',
    () => import('./crash.ts'),
    (command) => command.option('--rounds <n>', 'kills per database', positiveInteger, 2),
  );
  scenario(
    'db-faults',
    'Restart a private PostgreSQL under load: 503, /readyz, recovery',
    () => import('./db-faults.ts'),
  );
  scenario(
    'shutdown',
    'SIGTERM under load: in-flight complete, new refused, exit 0',
    () => import('./shutdown.ts'),
  );
  scenario('scale-out', 'Two instances on one PostgreSQL + Redis', () => import('./scale-out.ts'));
  scenario<OverloadOptions>(
    'overload',
    'About 10× the connections served well, on the list and on login: shed fast, admitted fast, bounded',
    () => import('./overload.ts'),
    (command) =>
      command
        .option('--seconds <s>', 'load time per run', positiveInteger, 10)
        .option('--connections <n>', 'connections of the heavy run', positiveInteger, 1_000),
  );
  scenario<MidFlightOptions>(
    'mid-flight',
    "Gather's connections killed every 200 ms under writes, then PostgreSQL slowed by +200 ms",
    () => import('./mid-flight.ts'),
    (command) =>
      command
        .option('--kill-seconds <s>', 'how long connections are killed', positiveInteger, 10)
        .option('--slow-seconds <s>', 'how long PostgreSQL is slowed', positiveInteger, 5),
  );
  scenario<AccountsOptions>(
    'accounts',
    'Strangers cannot lock an account, a password change ends sessions (two instances behind haproxy), a stuck table sheds only its feature',
    () => import('./accounts.ts'),
    stuckLockOptions,
  );
  scenario<StuckLockOptions>(
    'stuck-lock',
    'ACCESS EXCLUSIVE held on articles: article reads 503 within the deadline, the rest unharmed',
    () => import('./stuck-lock.ts'),
    stuckLockOptions,
  );
  scenario<MigrateLiveOptions>(
    'migrate-live',
    'An unsafe migration and its safe rewrite on a large articles table under reads and writes: the stall, and none',
    () => import('./migrate-live.ts'),
    liveOptions,
  );
  scenario<SearchLiveOptions>(
    'search-live',
    'Search added to a large articles table under reads and writes: the backfill, and search right at the end',
    () => import('./search-live.ts'),
    liveOptions,
  );
  scenario<ReplicasOptions>(
    'replicas',
    'A primary and a lagging streaming replica behind haproxy and two instances, a blog mix: 0 stale reads of own writes, ≥ 80 % of reads on the replica, replica stopped mid-run',
    () => import('./replicas.ts'),
    (command) =>
      command
        .option('--sequences <n>', 'write-then-read sequences per run', positiveInteger, 1_000)
        .option('--clients <n>', 'concurrent writers, each with its own user and article', positiveInteger, 8)
        .option('--readers <n>', 'concurrent readers who do not write (half signed in)', positiveInteger, 8)
        .option('--reads-per-write <n>', "readers' reads per write-then-read sequence", positiveInteger, 10),
  );
  program
    .command('all')
    .description('Every scenario above in turn, with its default options (what no scenario named runs)')
    .action(async () => finish(await runScenarios(scenarios)));
}

const argv = process.argv.slice(2);
await runCli(argv.length === 0 ? ['all'] : argv, register, {
  name: 'npm run reliability',
  description:
    'The slow reliability scenarios against real processes (docs/reliability.md), each printing its figures ' +
    'and PASS/FAIL lines, then a summary; exit code 1 when any fails.',
});
