// The results of `npm run bench -- --pglite-vs-postgres`: one row per read case and connection count with
// both databases' figures and their ratio, GET /api/tags alone and during a list load on each, their tables
// and the checks against the targets.
import { type Check, fixed, non2xxCheck } from './report.ts';
import { markdownTable } from './table.ts';

export type DatabaseName = 'PostgreSQL' | 'PGlite';

/**
 * Targets per read case: PGlite req/s ÷ PostgreSQL req/s in the same run, at the highest connection count.
 * They are the level the SQLite-backed peer reaches beside PostgreSQL (the issue that asked for this mode),
 * as ratios so that any machine can check them. A case without one (profile) is printed, not checked.
 */
export const PGLITE_RATIO_TARGETS: Readonly<Record<string, number>> = {
  article: 0.3,
  comments: 0.5,
  tags: 0.47,
  'list articles': 0.3,
  'list by tag': 0.3,
  'list by author': 0.3,
  'list favorited': 0.3,
  feed: 0.3,
};

/** PGlite's GET /api/tags p99 during a list load, at most this many times its p99 alone: the loop stays free. */
export const MAX_TAGS_P99_RATIO = 2;

/** One database's figures for a case: the medians of its alternating runs. */
export type DatabaseFigures = {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  non2xx: number;
  /** Gather's CPU time per request, in µs: on PGlite the database's work included, on PostgreSQL not. */
  cpu_us: number;
  /** Gather's largest RSS: on PGlite the database included, on PostgreSQL not. */
  rss_mb: number;
};

export type ComparisonRow = {
  name: string;
  path: string;
  connections: number;
  postgres: DatabaseFigures;
  pglite: DatabaseFigures;
  /** PGlite req/s ÷ PostgreSQL req/s. */
  ratio: number;
  /** The ratio's target, on the rows where it is checked (the highest connection count). */
  target: number | null;
};

/** GET /api/tags from one connection, alone and while 'list articles' loads the same server. */
export type TagsProbeRow = {
  database: DatabaseName;
  list_connections: number;
  /** p99 of the tags requests answered 200, in ms. */
  alone_p99_ms: number;
  during_list_p99_ms: number;
  /** during_list_p99_ms ÷ alone_p99_ms. */
  ratio: number;
  /** Responses outside 2xx, of the probe and the list load. */
  non2xx: number;
};

/** Only PGlite's probe is checked: on PostgreSQL the database works in processes of its own (a reference). */
const probeTarget = (row: TagsProbeRow) => (row.database === 'PGlite' ? MAX_TAGS_P99_RATIO : null);

export function comparisonTable(rows: ComparisonRow[]): string {
  const columns = (database: DatabaseName) =>
    ['req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'RSS MB'].map((column) => `${database} ${column}`);
  const figures = (f: DatabaseFigures) => [
    fixed(f.rps, 0),
    fixed(f.p50_ms, 1),
    fixed(f.p99_ms, 1),
    fixed(f.cpu_us, 0),
    fixed(f.rss_mb, 0),
  ];
  const header = ['case', 'conns', ...columns('PostgreSQL'), ...columns('PGlite'), 'ratio', 'target'];
  const cells = rows.map((r) => [
    r.name,
    String(r.connections),
    ...figures(r.postgres),
    ...figures(r.pglite),
    fixed(r.ratio, 2),
    r.target === null ? '–' : `≥ ${r.target.toFixed(2)}`,
  ]);
  return markdownTable(header, cells);
}

export function tagsProbeTable(rows: TagsProbeRow[]): string {
  const header = [
    'database',
    'list conns',
    'tags p99 alone ms',
    'tags p99 during list ms',
    'ratio',
    'target',
  ];
  const cells = rows.map((r) => {
    const target = probeTarget(r);
    return [
      r.database,
      String(r.list_connections),
      fixed(r.alone_p99_ms, 2),
      fixed(r.during_list_p99_ms, 2),
      fixed(r.ratio, 2),
      target === null ? '–' : `≤ ${target}`,
    ];
  });
  return markdownTable(header, cells);
}

/** No non-2xx response or socket error on either database, in the cases and the probes. */
export function comparisonErrorCheck(rows: ComparisonRow[], probes: TagsProbeRow[]): Check {
  const counts = [
    ...rows.flatMap((r) => [
      { label: `${r.name} @${r.connections} on PostgreSQL`, non2xx: r.postgres.non2xx },
      { label: `${r.name} @${r.connections} on PGlite`, non2xx: r.pglite.non2xx },
    ]),
    ...probes.map((p) => ({ label: `tags during list articles on ${p.database}`, non2xx: p.non2xx })),
  ];
  return non2xxCheck(counts, (count) => count.label);
}

/** The ratios against their targets, and PGlite's tags p99 during a list load against its p99 alone. */
export function comparisonTargetChecks(rows: ComparisonRow[], probes: TagsProbeRow[]): Check[] {
  const checks: Check[] = rows.flatMap((r) =>
    r.target === null
      ? []
      : [
          {
            pass: r.ratio >= r.target,
            text:
              `${r.name} @${r.connections}: PGlite ${r.pglite.rps.toFixed(0)} req/s = ${r.ratio.toFixed(2)} × ` +
              `PostgreSQL (${r.postgres.rps.toFixed(0)}), target ≥ ${r.target.toFixed(2)}`,
          },
        ],
  );
  for (const p of probes) {
    const target = probeTarget(p);
    if (target === null) continue;
    checks.push({
      pass: p.ratio <= target,
      text:
        `GET /api/tags on ${p.database}: p99 ${p.during_list_p99_ms.toFixed(2)} ms during list articles ` +
        `@${p.list_connections} = ${p.ratio.toFixed(2)} × alone (${p.alone_p99_ms.toFixed(2)} ms), target ≤ ${target}`,
    });
  }
  return checks;
}
