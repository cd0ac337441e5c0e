// The full hostile-input run: the fuzzer of tools/harness/fuzzer.ts against an in-process app
// (PGlite in memory, or a fresh database on DATABASE_URL), printing its figures.
import { formatReport, fuzz, prepareWorld } from '../harness/fuzzer.ts';
import { bootTestApp } from '../harness/test-app.ts';

export type FuzzOptions = Readonly<{
  /** Malformed requests to send. */
  runs: number;
  /** The fuzzer's seed; a new one each run when not given. */
  seed?: number;
}>;

export async function run(options: FuzzOptions): Promise<boolean> {
  const { runs } = options;
  const seed = options.seed ?? Date.now() % 1_000_000_007;
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
