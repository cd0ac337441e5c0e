// `gather bench <scenario>`: each scenario is one file under bench/ exporting run(argv) → exit code.
import type { Cli, GatherCommand } from '../src/cli/program.ts';

const SCENARIOS: Record<string, { file: string; summary: string }> = {
  http: { file: 'http.ts', summary: 'HTTP load on a seeded dataset, against a hand-written floor' },
  latency: { file: 'latency.ts', summary: 'Serial vs concurrent reads with a real network delay' },
  parallel: { file: 'parallel.ts', summary: 'The errands lab: serial, concurrent and parallel' },
  'login-storm': { file: 'login-storm.ts', summary: 'GET /api/tags p99 while logins hash passwords' },
  tracing: { file: 'tracing.ts', summary: 'What per-request tracing costs, on and off' },
};

export function registerScenarios(bench: GatherCommand, { finish }: Cli): void {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    bench
      .command(name)
      .description(scenario.summary)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .action(async (_options: object, command: GatherCommand) => {
        const module = (await import(`./${scenario.file}`)) as { run(argv: string[]): Promise<number> };
        finish(await module.run(command.args));
      });
  }
}
