// `gather bench <scenario>`: each scenario is one file under bench/ exporting run(argv) → exit code.
const SCENARIOS: Record<string, { file: string; summary: string }> = {
  http: { file: 'http.ts', summary: 'HTTP load on a seeded dataset, against a hand-written floor' },
  latency: { file: 'latency.ts', summary: 'Serial vs concurrent reads with a real network delay' },
  parallel: { file: 'parallel.ts', summary: 'The errands lab: serial, concurrent and parallel' },
  'login-storm': { file: 'login-storm.ts', summary: 'GET /api/tags p99 while logins hash passwords' },
  tracing: { file: 'tracing.ts', summary: 'What per-request tracing costs, on and off' },
};

const HELP = `Usage: gather bench <scenario> [options]

Scenarios:
${Object.entries(SCENARIOS)
  .map(([name, scenario]) => `  ${name.padEnd(12)} ${scenario.summary}`)
  .join('\n')}

Run gather bench <scenario> --help for its options.`;

export async function bench(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(HELP);
    return name === undefined ? 2 : 0;
  }
  const scenario = SCENARIOS[name];
  if (scenario === undefined) {
    console.error(`gather bench: unknown scenario "${name}"\n\n${HELP}`);
    return 2;
  }
  const module = (await import(new URL(`./${scenario.file}`, import.meta.url).href)) as {
    run(argv: string[]): Promise<number>;
  };
  return module.run(rest);
}
