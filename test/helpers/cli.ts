// The `gather` CLI in this process, with what it prints captured: for tests of usage, help and exit codes
// that need no child process. Commands that print through console.log are run as child processes instead.
import { registerCommands } from '../../src/cli/commands.ts';
import { runCli } from '../../src/cli/program.ts';
import { devTime } from '../../tools/dev-time.ts';

export type CliRun = { code: number; out: string; err: string };

/** `gather <argv>` as a source checkout runs it (dev-time commands included, unless `production`). */
export async function gatherInProcess(argv: string[], { production = false } = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(argv, (cli) => registerCommands(cli, production ? undefined : devTime), {
    output: { writeOut: (text) => (out += text), writeErr: (text) => (err += text) },
  });
  process.exitCode = 0;
  return { code, out, err };
}
