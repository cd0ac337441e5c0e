// Every `gather` command, in the order `gather --help` lists them. `devTime` is the workshop's half (bench,
// db migrate, db check, trace --format svg): given by a source checkout, absent from a production install.
import { registerDb } from './db.ts';
import { type DevTime, refuseDevTime } from './dev-time.ts';
import type { Cli } from './program.ts';
import { registerSeed } from './seed.ts';
import { registerServe } from './serve.ts';
import { registerTrace } from './trace.ts';

export function registerCommands(cli: Cli, devTime: DevTime | undefined): void {
  registerServe(cli);
  registerDb(cli, devTime);
  registerTrace(cli, devTime);
  registerSeed(cli);
  const bench = cli.program
    .command('bench')
    .summary('benchmarks and labs that print their figures (dev-time)')
    .description('Benchmarks and labs that print their figures (dev-time: bench/)');
  if (devTime === undefined) refuseDevTime(bench, 'gather bench');
  else devTime.registerBench(bench, cli);
}
