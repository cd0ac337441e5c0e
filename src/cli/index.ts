// `gather` as a production install runs it (node dist/cli/index.js): the commands that ship. The dev-time
// ones refuse in one line; a source checkout's bin/gather.js runs tools/cli.ts, which has them too.
import { holdOptimisingCompilers } from './startup-memory.ts';

// Before the CLI's modules load: loading them is start-up (startup-memory.ts); runCli lets the compilers go
// when a command's work begins.
holdOptimisingCompilers();
const { registerCommands } = await import('./commands.ts');
const { runCli } = await import('./program.ts');

await runCli(process.argv.slice(2), (cli) => registerCommands(cli, undefined));
