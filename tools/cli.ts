// `gather` from a source checkout (bin/gather.js): the commands that ship, and the dev-time ones
// (bench, db migrate, db check, trace --format svg) that a production install does not have.
import { registerCommands } from '../src/cli/commands.ts';
import { runCli } from '../src/cli/program.ts';
import { devTime } from './dev-time.ts';

await runCli(process.argv.slice(2), (cli) => registerCommands(cli, devTime));
