// What an extra case of `npm run bench -- --scale` works with (the two datasets, each with its Gather and its
// traced pass's requests; the run's plan; the read cases' rows) and the helpers it measures with.
import { SEED_PASSWORD, type SeedSize, usernameOf } from '../../src/seed/dataset.ts';
import { type LoadRequest, runLoad } from '../../tools/harness/load.ts';
import type { ServerProcess } from '../../tools/harness/server-process.ts';
import { alternatingRuns, type BenchData, type LoadFigures, medianLoad } from '../http.ts';
import type { BenchCase } from './cases.ts';
import type { Check } from './report.ts';
import type { ExtraRow, ScaleRow, SideFigures } from './scale-report.ts';

export type DatasetName = 'small' | 'big';

export type ScaleSide = Readonly<{
  name: DatasetName;
  size: SeedSize;
  data: BenchData;
  gather: ServerProcess;
  /** The traced pass's cases on this dataset (its tokens, its newest article), by name. */
  cases: ReadonlyMap<string, BenchCase>;
}>;

export type ScalePlan = Readonly<{
  /** Time per compared case: `rounds` alternating runs of half of it each (medians). */
  seconds: number;
  rounds: number;
  /** How many authors the three feed readers follow, few to most. */
  followees: readonly [number, number, number];
  /** Tags in use on big once the extra ones are added. */
  tagsInUse: number;
}>;

export type ScaleContext = Readonly<{
  small: ScaleSide;
  big: ScaleSide;
  plan: ScalePlan;
  /** The read cases' rows, measured before any extra case. */
  reads: readonly ScaleRow[];
}>;

export type ExtraOutcome = {
  rows: ExtraRow[];
  /** Checked by a full run, printed by --smoke. (Errors are checked from the rows.) */
  targets: Check[];
  /** Figures said in one line and checked by nothing (writes have no target). */
  notes: string[];
};

export type ExtraCase = Readonly<{
  name: string;
  /** Adds rows by SQL to the big dataset: PostgreSQL only (the large dataset is PostgreSQL's). */
  sql: boolean;
  run(context: ScaleContext): Promise<ExtraOutcome>;
}>;

export const sideFigures = (load: LoadFigures): SideFigures => ({
  rps: load.rps,
  p50_ms: load.p50Ms,
  p99_ms: load.p99Ms,
  non2xx: load.non2xx,
  cpu_us: Math.round(load.cpuUs),
});

/** The traced pass's request named `name` on `side`. */
export function caseOf(side: ScaleSide, name: string): BenchCase {
  const c = side.cases.get(name);
  if (c === undefined) throw new Error(`no case named ${name} on ${side.name}`);
  return c;
}

/**
 * A row of the extras table; `errors` as the case counts them (by default every non-2xx), checked as the run's
 * errors unless the case's own target counts them (`inTarget`).
 */
export function extraRow(
  caseName: string,
  side: ScaleSide,
  request: string,
  connections: number,
  load: LoadFigures,
  errors = load.non2xx,
  inTarget = false,
): ExtraRow {
  const { rps, p50Ms, p99Ms, cpuUs } = load;
  return {
    case: caseName,
    dataset: side.name,
    request,
    connections,
    rps,
    p50_ms: p50Ms,
    p99_ms: p99Ms,
    cpu_us: Math.round(cpuUs),
    errors,
    errors_in_target: inTarget,
  };
}

/** One request of a comparison: on which dataset, at how many connections, and what the table calls it. */
export type Contender = Readonly<{
  side: ScaleSide;
  label: string;
  request: LoadRequest;
  connections: number;
}>;

/**
 * The contenders alternating (the plan's rounds), their rows added to `outcome`; returns each one's
 * medians, in the order given.
 */
export async function compare(
  outcome: ExtraOutcome,
  caseName: string,
  plan: ScalePlan,
  contenders: readonly Contender[],
): Promise<LoadFigures[]> {
  const runs = await alternatingRuns(
    plan.seconds,
    contenders.map((c) => (s: number) => runLoad(c.side.gather, c.request, c.connections, s)),
    plan.rounds,
  );
  return contenders.map((c, i) => {
    const load = medianLoad(runs[i]!);
    outcome.rows.push(extraRow(caseName, c.side, c.label, c.connections, load));
    const unexpected = non2xxStatuses(runs[i]!);
    process.stderr.write(
      `  ${caseName}, ${c.label} on ${c.side.name}: ${load.rps.toFixed(0)} req/s` +
        `${unexpected === '' ? '' : ` (non-2xx: ${unexpected})`}\n`,
    );
    return load;
  });
}

/** The statuses other than 2xx that `runs` were answered, with their counts ('503 × 4'); '' when none. */
function non2xxStatuses(runs: readonly { byStatus: Record<string, { count: number }> }[]): string {
  const counts = new Map<string, number>();
  for (const run of runs) {
    for (const [status, { count }] of Object.entries(run.byStatus)) {
      if (!status.startsWith('2')) counts.set(status, (counts.get(status) ?? 0) + count);
    }
  }
  return [...counts].map(([status, count]) => `${status} × ${count}`).join(', ');
}

export const emptyOutcome = (): ExtraOutcome => ({ rows: [], targets: [], notes: [] });

/** A seeded user's token, from Gather's login route (every seeded user has SEED_PASSWORD). */
export async function loginAs(side: ScaleSide, userId: number): Promise<string> {
  const response = await fetch(`${side.gather.url}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: { email: `${usernameOf(userId)}@example.com`, password: SEED_PASSWORD } }),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`login of user ${userId} on ${side.name}: ${response.status} ${body}`);
  return (JSON.parse(body) as { user: { token: string } }).user.token;
}
