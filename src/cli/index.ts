// `gather <command>`: the one place that turns outcomes into exit codes.
import { ConfigError } from '../config.ts';
import { MigrationError } from '../db/migrate/runner.ts';

type Command = { summary: string; run: (argv: string[]) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'Run the HTTP server',
    run: async (argv) => (await import('./serve.ts')).serve(argv),
  },
  db: {
    summary: 'Migrations: generate, review (sql), upgrade, downgrade, history, check',
    run: async (argv) => (await import('./db.ts')).db(argv),
  },
  trace: {
    summary: 'Run one request in-process and print its Mermaid sequence diagram',
    run: async (argv) => (await import('./trace.ts')).traceCommand(argv),
  },
  bench: {
    summary: 'Benchmarks and labs that print their figures',
    run: async (argv) => (await import('../../bench/scenarios.ts')).bench(argv),
  },
  seed: {
    summary: 'Fill the database with generated demo or benchmark content',
    run: async (argv) => (await import('./seed.ts')).seedCommand(argv),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`);
  return [
    'Usage: gather <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run gather <command> --help for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(`gather: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

/** An unknown option or a missing option value, as node:util parseArgs reports them. */
function isUsageError(error: unknown): error is Error {
  return (
    error instanceof TypeError && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')
  );
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  // Expected failures (bad configuration, a refused migration) are one clear line, not a stack trace.
  if (error instanceof ConfigError) console.error(`gather: invalid configuration: ${error.message}`);
  else if (error instanceof MigrationError) console.error(`gather: ${error.message}`);
  else if (isUsageError(error)) console.error(`gather: ${error.message} (see --help)`);
  else console.error(error);
  process.exitCode = isUsageError(error) ? 2 : 1;
}
