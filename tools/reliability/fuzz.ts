// The full fuzz run: the sequences of tools/harness/fuzzer.ts (stateful steps mixed with hostile requests)
// against an in-process app on each database in turn, PGlite in memory and a scratch database on the shared
// PostgreSQL server, with figures and PASS/FAIL lines for each.
import { formatReport, fuzz, prepareWorld } from '../harness/fuzzer.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { bootTestApp } from '../harness/test-app.ts';
import { SHARED_POSTGRES } from './scenario-env.ts';

export type FuzzOptions = Readonly<{
  /** Sequences to run on each database. */
  runs: number;
  /** The fuzzer's seed; a new one each run when not given. */
  seed?: number;
}>;

/** Each run's database, named to bootTestApp by DATABASE_URL whatever the caller's is (when the caller set
 * one, bootTestApp's own scratch database on it stays empty). */
const DATABASES = [
  { name: 'PGlite', open: async () => ({ url: '', drop: async () => {} }) },
  { name: 'PostgreSQL', open: () => scratchDatabase(SHARED_POSTGRES, 'gather_fuzz') },
] as const;

async function runOn(database: (typeof DATABASES)[number], runs: number, seed: number): Promise<boolean> {
  const scratch = await database.open();
  const t = await bootTestApp({ DATABASE_URL: scratch.url });
  try {
    console.log(`fuzz on ${t.database.label}; rerun with --seed=${seed} --runs=${runs}`);
    const report = await fuzz(await prepareWorld(t.app, t.database), { seed, runs });
    console.log(formatReport(report, seed));
    const fivexx = [...report.byStatus].filter(([status]) => status >= 500).length;
    const checks: [boolean, string][] = [
      [report.sequences === runs, `${report.sequences} sequences, ${report.requests} requests sent`],
      [fivexx === 0, 'no 5xx'],
      [
        report.breaches.length === 0,
        `${report.breaches.length} breaches (5xx, non-RealWorld 4xx, an answer the data did not predict, ` +
          'data changed by a rejected request or not as written, a counter unlike its rows)',
      ],
      [
        report.rejectedUnchanged === report.rejected,
        `database unchanged after all ${report.rejected} rejected requests`,
      ],
      [
        ['email', 'slug', 'username'].every((key) => report.conflicts.has(key)),
        'requests ran into every unique key (email, username, slug)',
      ],
    ];
    for (const [pass, text] of checks)
      console.log(`${pass ? 'PASS' : 'FAIL'} fuzz ${database.name}: ${text}`);
    return checks.every(([pass]) => pass);
  } finally {
    await t.close();
    await scratch.drop();
  }
}

export async function run(options: FuzzOptions): Promise<boolean> {
  const { runs } = options;
  const seed = options.seed ?? Date.now() % 1_000_000_007;
  let passed = true;
  for (const database of DATABASES) passed = (await runOn(database, runs, seed)) && passed;
  return passed;
}
