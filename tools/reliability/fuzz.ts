// The full hostile-input run: the fuzzer of test/reliability/fuzzer.ts against an in-process app
// (PGlite in memory, or a fresh database on DATABASE_URL), printing its figures.
import { parseArgs } from 'node:util';
import { formatReport, fuzz, prepareWorld } from '../harness/fuzzer.ts';
import { bootTestApp } from '../harness/test-app.ts';

export async function run(argv: string[]): Promise<boolean> {
  const { values } = parseArgs({
    args: argv,
    options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' } },
  });
  const runs = Number(values.runs);
  const seed = values.seed === undefined ? Date.now() % 1_000_000_007 : Number(values.seed);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
    console.error('fuzz: --runs and --seed must be whole numbers');
    return false;
  }
  const t = await bootTestApp();
  try {
    console.log(`fuzz: ${t.database.label}; rerun with --seed=${seed} --runs=${runs}`);
    const report = await fuzz(await prepareWorld(t.app, t.database), { seed, runs });
    console.log(formatReport(report, seed));
    const fivexx = [...report.byStatus].filter(([status]) => status >= 500).length;
    const checks: [boolean, string][] = [
      [report.requests === runs, `${report.requests} malformed requests sent`],
      [fivexx === 0, 'no 5xx'],
      [
        report.breaches.length === 0,
        `${report.breaches.length} breaches (5xx, non-RealWorld 4xx, database changed)`,
      ],
      [
        report.rejectedUnchanged === report.rejected,
        `database unchanged after all ${report.rejected} rejected requests`,
      ],
    ];
    for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} fuzz: ${text}`);
    return checks.every(([pass]) => pass);
  } finally {
    await t.close();
  }
}
