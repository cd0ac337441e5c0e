// `gather` from a source checkout (bin/gather.js): the commands that ship, and the dev-time ones
// (bench, db migrate, db check, trace --format svg) that a production install does not have.
import { holdOptimisingCompilers } from '../src/cli/startup-memory.ts';

// Before the CLI's modules load, as src/cli/index.ts does.
holdOptimisingCompilers();
const { registerCommands } = await import('../src/cli/commands.ts');
const { runCli } = await import('../src/cli/program.ts');
const { devTime } = await import('./dev-time.ts');

await runCli(process.argv.slice(2), (cli) => registerCommands(cli, devTime));
