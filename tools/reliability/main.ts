// `npm run reliability [-- <scenario>…]`: the slow reliability scenarios, each printing its figures and a
// PASS/FAIL line. No scenario named: all of them. Exit code 1 when any fails.
const SCENARIOS: Record<string, { file: string; summary: string }> = {
  fuzz: { file: 'fuzz.ts', summary: 'full hostile-input run (--runs=10000 --seed=N), in process' },
  crash: {
    file: 'crash.ts',
    summary: 'kill -9 under write load on PostgreSQL and PGlite: 0 acknowledged lost',
  },
  'db-faults': {
    file: 'db-faults.ts',
    summary: 'restart a private PostgreSQL under load: 503, /readyz, recovery',
  },
  shutdown: { file: 'shutdown.ts', summary: 'SIGTERM under load: in-flight complete, new refused, exit 0' },
  'scale-out': { file: 'scale-out.ts', summary: 'two instances on one PostgreSQL + Redis' },
};

const [first, ...rest] = process.argv.slice(2);
if (first === '--help' || first === '-h') {
  console.log(
    `Usage: npm run reliability [-- <scenario> [options]]\n\nScenarios:\n${Object.entries(SCENARIOS)
      .map(([name, scenario]) => `  ${name.padEnd(10)} ${scenario.summary}`)
      .join('\n')}`,
  );
  process.exit(0);
}
if (first !== undefined && SCENARIOS[first] === undefined) {
  console.error(`reliability: unknown scenario "${first}" (${Object.keys(SCENARIOS).join(', ')})`);
  process.exit(2);
}

const chosen = first === undefined ? Object.keys(SCENARIOS) : [first];
const results: [string, boolean, number][] = [];
for (const name of chosen) {
  const started = performance.now();
  const module = (await import(`./reliability/${SCENARIOS[name]!.file}`)) as {
    run(argv: string[]): Promise<boolean>;
  };
  let passed = false;
  try {
    passed = await module.run(first === undefined ? [] : rest);
  } catch (error) {
    console.error(`reliability ${name}:`, error);
  }
  results.push([name, passed, (performance.now() - started) / 1000]);
  console.log('');
}
console.log('reliability summary');
for (const [name, passed, seconds] of results) {
  console.log(`  ${passed ? 'PASS' : 'FAIL'} ${name.padEnd(10)} ${seconds.toFixed(1)} s`);
}
process.exit(results.every(([, passed]) => passed) ? 0 : 1);
