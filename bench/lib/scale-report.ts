// The results of `npm run bench -- --scale` (issue 20): each read case on the small and on the big dataset
// with the ratio big ÷ small, the extra cases' rows, their tables and the checks against the targets.
import type { StatusLatency } from '../../tools/harness/stats.ts';
import { type Check, fixed, non2xxCheck } from './report.ts';
import { markdownTable } from './table.ts';

/** Issue 20's targets: as ratios within one run, so that any machine can check them. */
export const SCALE_TARGETS = {
  /** The read cases named below: req/s on the big dataset ≥ this × on the small one. */
  readRatio: 0.9,
  /** List page 51 ≥ this × page 1, on the same dataset. */
  deepPageRatio: 0.5,
  /** The middle page, when it is answered: p99 at most this, in ms. */
  middlePageP99Ms: 1_000,
  /** Page 1 while another load reads the middle page ≥ this × page 1 alone. */
  isolationRatio: 0.5,
  /** The feed of a reader following many authors ≥ this × the feed of one following 5. */
  feedRatio: 0.5,
  /** GET /api/tags with 100,000 tags in use ≥ this × with the small dataset's. */
  tagsRatio: 0.9,
  /** A one-word search on the big dataset: p99 at one connection at most this, in ms. */
  searchP99Ms: 50,
  /** A one-word search on the big dataset at 16 connections ≥ this × page 1's rate. */
  searchRatio: 0.5,
} as const;

/** The read cases whose ratio is checked (profile is printed, not checked). */
export const READ_TARGET_CASES: readonly string[] = [
  'list articles',
  'list by tag',
  'list by author',
  'list favorited',
  'feed',
  'article',
  'comments',
  'tags',
];

/** One dataset's figures for a case: the medians of its alternating runs. */
export type SideFigures = { rps: number; p50_ms: number; p99_ms: number; non2xx: number; cpu_us: number };

export type ScaleRow = {
  name: string;
  path: string;
  connections: number;
  small: SideFigures;
  big: SideFigures;
  /** big req/s ÷ small req/s. */
  ratio: number;
  target: number | null;
};

/** A row of the extra cases' table: one request (`request`) of a case, on one dataset. */
export type ExtraRow = {
  case: string;
  dataset: 'small' | 'big';
  request: string;
  connections: number;
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** None where two loads share the server (its CPU time cannot be split between them). */
  cpu_us: number | null;
  /** Responses that are errors here: a non-2xx where a 2xx is expected, or a 5xx, an error or a timeout. */
  errors: number;
  /**
   * The case's target counts these errors (the middle page's loads, which look for the server's limit:
   * today, on the large dataset, 503s): they fail that target, not the run as errors do (--smoke).
   */
  errors_in_target: boolean;
};

/** The ratio to two decimals, as printed. */
export const ratioOf = (value: number, base: number) => Math.round((value / base) * 100) / 100;
/** The ratio as a line says it: – when the base had no answer at all. */
export const ratioText = (value: number, base: number) => (base > 0 ? ratioOf(value, base).toFixed(2) : '–');
/** Checked unrounded (0.499 is under 0.5 though it prints as 0.50); a base with no answer fails. */
const meets = (value: number, base: number, min: number) => base > 0 && value / base >= min;

export function scaleRow(
  name: string,
  path: string,
  connections: number,
  small: SideFigures,
  big: SideFigures,
): ScaleRow {
  const target = READ_TARGET_CASES.includes(name) ? SCALE_TARGETS.readRatio : null;
  return { name, path, connections, small, big, ratio: ratioOf(big.rps, small.rps), target };
}

const verdict = (r: ScaleRow) =>
  r.target === null ? '–' : meets(r.big.rps, r.small.rps, r.target) ? 'PASS' : 'FAIL';

export function scaleTable(rows: readonly ScaleRow[]): string {
  const header = [
    'case',
    'conns',
    'small req/s',
    'big req/s',
    'ratio',
    'p99 ms small/big',
    'CPU µs/req small/big',
    'target',
    'verdict',
  ];
  const cells = rows.map((r) => [
    r.name,
    String(r.connections),
    fixed(r.small.rps, 0),
    fixed(r.big.rps, 0),
    fixed(r.ratio, 2),
    `${fixed(r.small.p99_ms, 1)} / ${fixed(r.big.p99_ms, 1)}`,
    `${fixed(r.small.cpu_us, 0)} / ${fixed(r.big.cpu_us, 0)}`,
    r.target === null ? '–' : `≥ ${r.target.toFixed(2)}`,
    verdict(r),
  ]);
  return markdownTable(header, cells);
}

export function extrasTable(rows: readonly ExtraRow[]): string {
  const header = ['case', 'dataset', 'request', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'errors'];
  const cells = rows.map((r) => [
    r.case,
    r.dataset,
    r.request,
    String(r.connections),
    fixed(r.rps, 0),
    fixed(r.p50_ms, 1),
    fixed(r.p99_ms, 1),
    fixed(r.cpu_us, 0),
    String(r.errors),
  ]);
  return markdownTable(header, cells, 3);
}

/** `value` req/s against `base` req/s, at least `min` times it: one line saying both. */
export function ratioCheck(
  label: string,
  value: number,
  baseLabel: string,
  base: number,
  min: number,
): Check {
  return {
    pass: meets(value, base, min),
    text:
      `${label}: ${value.toFixed(0)} req/s = ${ratioText(value, base)} × ${baseLabel} (${base.toFixed(0)}), ` +
      `target ≥ ${min}`,
  };
}

/** Page 1 beside a load of the middle page: its rate against page 1 alone, and no 5xx in either load. */
export function isolationCheck(label: string, beside: number, alone: number, failures: number): Check {
  const check = ratioCheck(label, beside, 'alone', alone, SCALE_TARGETS.isolationRatio);
  if (failures === 0) return check;
  return {
    pass: false,
    text: `${check.text}; ${failures} 5xx, errors or timeouts in the two loads, target none`,
  };
}

export const readTargetChecks = (rows: readonly ScaleRow[]): Check[] =>
  rows.flatMap((r) =>
    r.target === null
      ? []
      : [ratioCheck(`${r.name} @${r.connections} on big`, r.big.rps, 'small', r.small.rps, r.target)],
  );

/** No error in any load: a read case's non-2xx on either dataset, an extra row's errors (but those of its target). */
export function scaleErrorCheck(rows: readonly ScaleRow[], extras: readonly ExtraRow[]): Check {
  const counts = [
    ...rows.flatMap((r) => [
      { label: `${r.name} @${r.connections} on small`, non2xx: r.small.non2xx },
      { label: `${r.name} @${r.connections} on big`, non2xx: r.big.non2xx },
    ]),
    ...extras
      .filter((r) => !r.errors_in_target)
      .map((r) => ({ label: `${r.case}, ${r.request} on ${r.dataset}`, non2xx: r.errors })),
  ];
  return non2xxCheck(counts, (count) => count.label);
}

/** A load's responses by kind; `unanswered` are socket errors and timeouts (autocannon counts a timeout twice). */
export type StatusCounts = { ok: number; refused: number; failed: number; unanswered: number };

export function statusCounts(byStatus: StatusLatency, non2xx: number): StatusCounts {
  const counts = { ok: 0, refused: 0, failed: 0, unanswered: 0 };
  let answeredNon2xx = 0;
  for (const [status, { count }] of Object.entries(byStatus)) {
    const code = Number(status);
    if (code >= 200 && code < 300) counts.ok += count;
    else answeredNon2xx += count;
    if (code >= 400 && code < 500) counts.refused += count;
    if (code >= 500) counts.failed += count;
  }
  counts.unanswered = Math.max(0, non2xx - answeredNon2xx);
  return counts;
}

export const addCounts = (a: StatusCounts, b: StatusCounts): StatusCounts => ({
  ok: a.ok + b.ok,
  refused: a.refused + b.refused,
  failed: a.failed + b.failed,
  unanswered: a.unanswered + b.unanswered,
});

/** RealWorld's error body ({"errors":{…}}) as compact text, at most 160 characters; undefined for any other. */
export function realWorldErrors(body: string): string | undefined {
  try {
    const errors = (JSON.parse(body) as { errors?: unknown }).errors;
    if (typeof errors !== 'object' || errors === null || Array.isArray(errors)) return undefined;
    const text = JSON.stringify(errors);
    return text.length > 160 ? `${text.slice(0, 159)}…` : text;
  } catch {
    return undefined;
  }
}

/**
 * The middle page passes answered (every response a 2xx, p99 within the target) or refused (every response
 * a 4xx whose body, sampled once as `refusal`, is RealWorld's {"errors":{…}}); never with a 5xx or a timeout.
 */
export function middlePageCheck(
  label: string,
  counts: StatusCounts,
  p99Ms: number,
  refusal: string | undefined,
): Check {
  const max = SCALE_TARGETS.middlePageP99Ms;
  const { ok, refused, failed, unanswered } = counts;
  const others = refused + failed + unanswered;
  if (ok + others === 0) return { pass: false, text: `${label}: no response within the run` };
  if (ok > 0 && others === 0) {
    const text = `${label}: answered, every response 2xx, p99 ${p99Ms.toFixed(0)} ms, target ≤ ${max} ms`;
    return { pass: p99Ms <= max, text };
  }
  if (refused > 0 && ok + failed + unanswered === 0) {
    const text =
      refusal === undefined
        ? `${label}: refused, every response 4xx, but its body is not RealWorld's {"errors":{…}}`
        : `${label}: refused, every response 4xx with RealWorld's {"errors":{…}}: ${refusal}`;
    return { pass: refusal !== undefined, text };
  }
  return {
    pass: false,
    text:
      `${label}: neither answered nor refused: ${ok} 2xx, ${refused} 4xx, ${failed} 5xx, ` +
      `${unanswered} errors and timeouts`,
  };
}
