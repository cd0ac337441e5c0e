// The benchmark's results: one row per case and connection count, the checks against the targets of
// issue 7, and their two renderings (a Markdown table for people, latest.json for machines).
import { markdownTable as alignedMarkdown } from './table.ts';

export type ResultRow = {
  name: string;
  method: string;
  path: string;
  connections: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  round_trips: number;
  rss_mb: number;
  /** The server's CPU time per request, in µs (robust to other load on the machine, unlike req/s). */
  cpu_us: number;
  floor_rps: number | null;
  floor_p99_ms: number | null;
  floor_cpu_us: number | null;
  /** Gather requests/s ÷ floor requests/s, in the same run. */
  ratio: number | null;
};

export type Check = Readonly<{ pass: boolean; text: string }>;

/** Targets (issue 7), for reads at the highest connection count unless said otherwise. */
export const TARGETS = {
  minRpsRatio: 0.9,
  maxP99Ratio: 1.25,
  /** Gather's CPU µs per request ÷ the floor's: the steady figure on a noisy machine. */
  maxCpuRatio: 1.1,
  maxRoundTrips: 3,
  /** Gather's largest resident set under the load, and before any (compiled, on PostgreSQL). */
  maxRssMb: 150,
  maxIdleRssMb: 80,
} as const;

/** A figure with `digits` decimals, or – where there is none. */
export const fixed = (value: number | null, digits: number) => (value === null ? '–' : value.toFixed(digits));

export function markdownTable(rows: ResultRow[]): string {
  const header = [
    'case',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'round trips',
    'RSS MB',
    'CPU µs/req',
    'floor req/s',
    'floor p99 ms',
    'floor CPU µs/req',
    'ratio',
  ];
  const cells = rows.map((r) => [
    r.name,
    String(r.connections),
    fixed(r.rps, 0),
    fixed(r.p50_ms, 1),
    fixed(r.p99_ms, 1),
    String(r.non2xx),
    String(r.round_trips),
    fixed(r.rss_mb, 0),
    fixed(r.cpu_us, 0),
    fixed(r.floor_rps, 0),
    fixed(r.floor_p99_ms, 1),
    fixed(r.floor_cpu_us, 0),
    fixed(r.ratio, 2),
  ]);
  return alignedMarkdown(header, cells);
}

export const checkLines = (checks: Check[]) =>
  checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.text}`).join('\n');

/** The performance targets: floor ratios, RSS. (Errors and round trips are checked by `hardChecks`.) */
export function targetChecks(rows: ResultRow[], idleRssMb: number): Check[] {
  const checks: Check[] = [];
  const top = Math.max(...rows.map((r) => r.connections));
  for (const r of rows.filter((row) => row.connections === top && row.floor_rps !== null)) {
    const p99Ratio = r.p99_ms / r.floor_p99_ms!;
    const cpuRatio = r.cpu_us / r.floor_cpu_us!;
    checks.push({
      pass: r.ratio! >= TARGETS.minRpsRatio,
      text: `${r.name} @${top}: ${r.rps.toFixed(0)} req/s = ${r.ratio!.toFixed(2)} × floor (${r.floor_rps!.toFixed(0)}), target ≥ ${TARGETS.minRpsRatio}`,
    });
    checks.push({
      pass: p99Ratio <= TARGETS.maxP99Ratio,
      text: `${r.name} @${top}: p99 ${r.p99_ms.toFixed(1)} ms = ${p99Ratio.toFixed(2)} × floor (${r.floor_p99_ms!.toFixed(1)} ms), target ≤ ${TARGETS.maxP99Ratio}`,
    });
    checks.push({
      pass: cpuRatio <= TARGETS.maxCpuRatio,
      text: `${r.name} @${top}: ${r.cpu_us.toFixed(0)} CPU µs/req = ${cpuRatio.toFixed(2)} × floor (${r.floor_cpu_us!.toFixed(0)} µs), target ≤ ${TARGETS.maxCpuRatio}`,
    });
  }
  const rss = Math.max(...rows.map((r) => r.rss_mb));
  checks.push({
    pass: rss <= TARGETS.maxRssMb,
    text: `largest RSS ${rss.toFixed(0)} MB, target ≤ ${TARGETS.maxRssMb} MB`,
  });
  checks.push({
    pass: idleRssMb <= TARGETS.maxIdleRssMb,
    text: `idle RSS ${idleRssMb.toFixed(0)} MB, target ≤ ${TARGETS.maxIdleRssMb} MB`,
  });
  return checks;
}

/** Passes when no row had a non-2xx response or socket error; otherwise names each row (`label`) and its count. */
export function non2xxCheck<R extends { non2xx: number }>(rows: R[], label: (row: R) => string): Check {
  const failed = rows.filter((r) => r.non2xx > 0);
  return {
    pass: failed.length === 0,
    text:
      failed.length === 0
        ? 'no non-2xx responses or socket errors'
        : `non-2xx responses: ${failed.map((r) => `${label(r)}: ${r.non2xx}`).join(', ')}`,
  };
}

export function hardChecks(
  rows: ResultRow[],
  probes: { name: string; write: boolean; roundTrips: number; small?: number; large?: number }[],
): Check[] {
  const checks: Check[] = [non2xxCheck(rows, (r) => `${r.name} @${r.connections}`)];
  for (const p of probes) {
    if (p.small !== undefined && p.large !== undefined) {
      checks.push({
        pass: p.small === p.large,
        text: `${p.name}: ${p.small} round trips at limit=1, ${p.large} at limit=100 (constant in the page size)`,
      });
    }
    if (!p.write) {
      checks.push({
        pass: p.roundTrips <= TARGETS.maxRoundTrips,
        text: `${p.name}: ${p.roundTrips} round trips per request, target ≤ ${TARGETS.maxRoundTrips}`,
      });
    }
  }
  return checks;
}

/** `npm run bench -- --replica`: one case at one connection count, on the primary alone or with a replica. */
export type ReplicaRow = {
  name: string;
  path: string;
  connections: number;
  /** 0: Gather on the primary alone; 1: DATABASE_REPLICA_URLS names the replica. */
  replicas: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  /** Gather's CPU time per request, in µs. */
  cpu_us: number;
  /** Read round trips per request on each server, from Gather's /metrics (gather_db_queries_total). */
  primary_reads: number;
  replica_reads: number;
  /** The replica's share of the read round trips, 0–1. */
  replica_share: number;
  /** The PostgreSQL server's CPU time per request (postmaster, backends, workers), in µs. */
  primary_pg_cpu_us: number;
  replica_pg_cpu_us: number;
};

/** The replica's target share of reads (issue 13). */
export const MIN_REPLICA_SHARE = 0.8;

export function replicaTable(rows: ReplicaRow[]): string {
  const header = [
    'case',
    'conns',
    'replicas',
    'req/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'Gather CPU µs/req',
    'primary reads/req',
    'replica reads/req',
    'replica share',
    'primary PG CPU µs/req',
    'replica PG CPU µs/req',
  ];
  const cells = rows.map((r) => [
    r.name,
    String(r.connections),
    String(r.replicas),
    fixed(r.rps, 0),
    fixed(r.p50_ms, 1),
    fixed(r.p99_ms, 1),
    String(r.non2xx),
    fixed(r.cpu_us, 0),
    fixed(r.primary_reads, 2),
    fixed(r.replica_reads, 2),
    `${(r.replica_share * 100).toFixed(0)} %`,
    fixed(r.primary_pg_cpu_us, 0),
    fixed(r.replica_pg_cpu_us, 0),
  ]);
  return alignedMarkdown(header, cells);
}

/** No errors; with a replica, the replica serves at least MIN_REPLICA_SHARE of the reads. */
export function replicaChecks(rows: ReplicaRow[]): Check[] {
  const checks: Check[] = [
    non2xxCheck(
      rows,
      (r) => `${r.name} @${r.connections} ${r.replicas === 0 ? 'without' : 'with'} a replica`,
    ),
  ];
  for (const r of rows.filter((row) => row.replicas > 0)) {
    const alone = rows.find((a) => a.replicas === 0 && a.name === r.name && a.connections === r.connections);
    checks.push({
      pass: r.replica_share >= MIN_REPLICA_SHARE,
      text:
        `${r.name} @${r.connections}: the replica served ${(r.replica_share * 100).toFixed(0)} % of reads, ` +
        `target ≥ ${MIN_REPLICA_SHARE * 100} %; primary reads/request ${alone === undefined ? '' : `${alone.primary_reads.toFixed(2)} → `}${r.primary_reads.toFixed(2)}`,
    });
  }
  return checks;
}
