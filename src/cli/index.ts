// `gather` as a production install runs it (node dist/cli/index.js): the commands that ship. The dev-time
// ones refuse in one line; a source checkout's bin/gather.js runs tools/cli.ts, which has them too.
import { registerCommands } from './commands.ts';
import { runCli } from './program.ts';

await runCli(process.argv.slice(2), (cli) => registerCommands(cli, undefined));
