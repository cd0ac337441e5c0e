// The one CLI layer, on commander: every `gather` command and sub-command gets --help and --version, a "did
// you mean …" for a mistyped command or option, exit code 2 for bad usage with the command to ask for help,
// and one line for an expected failure (CommandError). runCli is the one place that sets process.exitCode.
import { Command, CommanderError } from 'commander';
import { CommandError } from '../command-error.ts';
import { ConfigError, SETTINGS } from '../settings.ts';
import { VERSION } from '../version.ts';
import { releaseOptimisingCompilers } from './startup-memory.ts';

/** Exit codes: 0 done, 1 refused or failed (one line), 2 called the wrong way. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A setting given as an option: `--port 4000` → PORT. */
function settingForFlag(token: string): string | undefined {
  const name = token.replace(/^--?/, '').split('=')[0]!.toUpperCase().replaceAll('-', '_');
  return (Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]).find(
    (setting) =>
      setting === name ||
      setting === `GATHER_${name}` ||
      setting.endsWith(`_${name}`) ||
      setting.startsWith(`${name}_`),
  );
}

/** A command of the `gather` CLI: what commander does, with Gather's messages and exit codes. */
export class GatherCommand extends Command {
  /** The raw arguments of this run, for the value of a mistaken `--port 4000`. */
  static argv: readonly string[] = [];

  override createCommand(name?: string): GatherCommand {
    return new GatherCommand(name).version(VERSION, '-v, --version', 'print the version');
  }

  /** `gather db upgrade`: the command as typed. */
  path(): string {
    const names: string[] = [];
    for (let command: Command | null = this; command !== null; command = command.parent) {
      names.unshift(command.name());
    }
    return names.join(' ');
  }

  /** Settings come from the environment: an option named like one points to its variable. */
  private settingHint(message: string): string | undefined {
    const flag = /^error: unknown option '([^']+)'/.exec(message)?.[1];
    const setting = flag === undefined ? undefined : settingForFlag(flag);
    if (flag === undefined || setting === undefined) return undefined;
    const given = flag.includes('=')
      ? flag.slice(flag.indexOf('=') + 1)
      : GatherCommand.argv[GatherCommand.argv.indexOf(flag) + 1];
    const value = given === undefined || given.startsWith('-') ? '…' : given;
    return `error: unknown option '${flag.split('=')[0]}': settings come from the environment, e.g. ${setting}=${value} ${this.path()}`;
  }

  // One line: "gather db: unknown command 'upgrad'; did you mean upgrade? (see gather db --help)".
  override error(message: string, options: { code?: string; exitCode?: number } = {}): never {
    const problem = (this.settingHint(message) ?? message)
      .replace(/^error: /, '')
      .replace(/\n\(Did you mean (.*)\?\)$/, '; did you mean $1?');
    return super.error(`${this.path()}: ${problem} (see ${this.path()} --help)`, {
      code: options.code ?? 'gather.usage',
      exitCode: EXIT.usage,
    });
  }
}

/** What commands are given: how to end with an exit code. */
export type Cli = Readonly<{ program: GatherCommand; finish(code: number): void }>;

export type CliOptions = {
  /** The program's name in help and messages: `gather`, or a workshop script (`npm run reliability`). */
  name?: string;
  description?: string;
  /** Where help and usage errors go (tests capture them); stdout and stderr by default. */
  output?: { writeOut(text: string): void; writeErr(text: string): void };
};

/** `gather … --help | head`: a reader that stops early is not an error. */
function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE') throw error;
}

/**
 * Runs `argv` through the commands `register` adds, prints a failure as one line, and sets the process's
 * exit code (also returned).
 */
export async function runCli(
  argv: readonly string[],
  register: (cli: Cli) => void,
  {
    name = 'gather',
    description = 'Gather: an async RealWorld (Conduit) backend',
    output = {
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    },
  }: CliOptions = {},
): Promise<number> {
  // Once per process, however often the CLI layer runs in it (the tests run it hundreds of times).
  process.stdout.off('error', ignoreClosedReader).on('error', ignoreClosedReader);
  let code: number = EXIT.ok;
  const program = new GatherCommand(name)
    .version(VERSION, '-v, --version', 'print the version')
    .description(description)
    .exitOverride()
    .configureOutput({ ...output, outputError: (text, write) => write(text) });
  program.configureHelp({ sortSubcommands: false });
  // The CLI's start-up (its modules loading) ran with V8's optimising compilers held; a command's work runs
  // with them (serve holds them again for its own start-up).
  program.hook('preAction', releaseOptimisingCompilers);
  register({ program, finish: (exit) => (code = exit) });
  GatherCommand.argv = argv;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    code = exitCodeOf(error, output.writeErr);
  }
  process.exitCode = code;
  return code;
}

function exitCodeOf(error: unknown, writeErr: (text: string) => void): number {
  if (error instanceof CommanderError) {
    // --help and --version end well; a bare `gather` or `gather db` shows the help and is bad usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof ConfigError) writeErr(`gather: invalid configuration: ${error.message}\n`);
  else if (error instanceof CommandError) writeErr(`gather: ${error.message}\n`);
  // Anything else is a bug: its stack trace is what whoever fixes it needs.
  else writeErr(`${error instanceof Error ? error.stack : String(error)}\n`);
  return EXIT.failed;
}
