// What a trace page warns about, the way Django Debug Toolbar does, computed from the spans alone (pure):
// the same statement shape three or more times (N+1), an identical statement twice, and two reads awaited
// one after the other although the second was not given anything the first returned.
import { groupDigits } from '../digits.ts';
import { LONGEST_COMPARED_VALUE, MOST_COMPARED_VALUES } from './fingerprint.ts';
import { shortenSql } from './mermaid.ts';
import type { RequestTrace, Span } from './recorder.ts';

export type WarningKind = 'repeated-shape' | 'identical-statement' | 'serial-reads';

export type Warning = Readonly<{
  kind: WarningKind;
  title: string;
  detail: string;
  /** The spans it is about, as indexes into trace.spans (the page links them). */
  spans: readonly number[];
}>;

/** A statement shape repeated this many times in one request is an N+1 candidate. */
export const REPEATED_SHAPE_MIN = 3;
/** The most time between one read's answer and the next read's start that still counts as "right after". */
export const SERIAL_GAP_MS = 5;

/** How the serial-reads warning decides, word for word on the trace page and in docs/tracing.md. */
export const SERIAL_RULE =
  `Two reads are flagged as awaited one after the other when: both are \`select\` statements (not \`for update\` ` +
  `or \`for share\`), neither inside a transaction; the second was issued (its wait for a pool connection ` +
  `included) after the first answered, at most ${SERIAL_GAP_MS} ms later; nothing else Gather waits for (a query, ` +
  'a hash, a pool wait) was in flight in between; and none of the second\u2019s parameter values is a value ' +
  'the first returned that the first was not itself given. Values are compared by hashes (never kept), values ' +
  `longer than ${LONGEST_COMPARED_VALUE} characters are not compared, and a first read that returned more than ` +
  `${groupDigits(MOST_COMPARED_VALUES)} values is never flagged (its values are not hashed). ` +
  'A write is never the first of a pair: what follows it may need ' +
  'its effect, which no parameter shows; two statements of one N+1 group are left to that warning. The rule ' +
  'can be wrong both ways: a value computed from the first result (not passed on as it came) goes unseen, so ' +
  'a pair that depends is flagged; a parameter that merely equals a returned value hides a pair that does not. ' +
  'It is a hint to check, not a proof.';

const TRANSACTION_CONTROL = /^(begin|start transaction|commit|rollback|savepoint|release)\b/i;
const LOCKING_READ = /\bfor (update|no key update|share|key share)\b/;

/**
 * A statement's shape: placeholders, numbers and string literals as `?`, lists of them as one `?…`, spacing
 * and identifier quotes normalised. `where id in ($1, $2)` and `where id in ($3, $4, $5)` have one shape.
 */
export function statementShape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase()
    .replace(/"([a-z_][a-z0-9_]*)"/g, '$1')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+|\b\d+(\.\d+)?\b/g, '?')
    .replace(/\?(\s*,\s*\?)+/g, '?…');
}

type IndexedSpan = { span: Span; index: number };

const queriesOf = (trace: RequestTrace): IndexedSpan[] =>
  trace.spans
    .map((span, index) => ({ span, index }))
    .filter(({ span }) => span.kind === 'query')
    .sort((a, b) => a.span.start - b.span.start);

function groupBy<K>(items: readonly IndexedSpan[], key: (item: IndexedSpan) => K | undefined) {
  const groups = new Map<K, IndexedSpan[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return [...groups.values()];
}

/**
 * Which pool wait handed each query its connection: the wait that ended last before the query started,
 * at most 1 ms before, each wait given to one query (the client issues the query as soon as the wait ends;
 * nothing links the two spans but time).
 */
export function connectionWaits(trace: RequestTrace): Map<Span, Span> {
  const waits = trace.spans.filter((span) => span.kind === 'pool-wait').sort((a, b) => a.end - b.end);
  const queries = queriesOf(trace).map(({ span }) => span);
  const matched = new Map<Span, Span>();
  for (const wait of waits) {
    const query = queries.find(
      (candidate) =>
        !matched.has(candidate) && candidate.start >= wait.end && candidate.start - wait.end <= 1,
    );
    if (query !== undefined) matched.set(query, wait);
  }
  return matched;
}

function repeatedShapes(queries: readonly IndexedSpan[]): Warning[] {
  return groupBy(queries, ({ span }) =>
    TRANSACTION_CONTROL.test(span.name.trim()) ? undefined : statementShape(span.name),
  )
    .filter((group) => group.length >= REPEATED_SHAPE_MIN)
    .map((group) => ({
      kind: 'repeated-shape',
      title: `The same statement shape ran ${group.length} times (N+1?)`,
      detail:
        `\`${shortenSql(group[0]!.span.name)}\` — one statement per item; a join, a subquery or ` +
        '`= any($1)` reads them in one round trip.',
      spans: group.map(({ index }) => index),
    }));
}

function identicalStatements(queries: readonly IndexedSpan[]): Warning[] {
  return groupBy(queries, ({ span }) =>
    span.query === undefined || TRANSACTION_CONTROL.test(span.name.trim())
      ? undefined
      : `${span.query.paramsHash} ${span.name}`,
  )
    .filter((group) => group.length >= 2)
    .map((group) => ({
      kind: 'identical-statement',
      title: `An identical statement ran ${group.length} times`,
      detail: `\`${shortenSql(group[0]!.span.name)}\` — the same SQL with the same parameters (compared by hash): the answer could be reused.`,
      spans: group.map(({ index }) => index),
    }));
}

/** Each query's transaction membership: after a `begin`, until its `commit` or `rollback`. */
function inTransaction(queries: readonly IndexedSpan[]): Set<Span> {
  const inside = new Set<Span>();
  let open = 0;
  for (const { span } of queries) {
    const sql = span.name.trim().toLowerCase();
    if (/^(begin|start transaction)\b/.test(sql)) open += 1;
    else if (/^(commit|rollback)\b/.test(sql) && !/^rollback to\b/.test(sql)) open = Math.max(0, open - 1);
    else if (open > 0) inside.add(span);
  }
  return inside;
}

const isPlainRead = (span: Span): boolean =>
  /^select\b/i.test(span.name.trim()) && !LOCKING_READ.test(span.name.toLowerCase());

/** True when `second`'s parameters hold a value `first` returned and was not given; undefined: unknown. */
function usesResultOf(first: Span, second: Span): boolean | undefined {
  const returned = first.query?.resultHashes;
  const given = second.query?.paramHashes;
  if (returned === undefined || returned === null || given === undefined) return undefined;
  const firstParams = first.query!.paramHashes;
  for (const value of given) if (returned.has(value) && !firstParams.has(value)) return true;
  return false;
}

function serialReads(
  trace: RequestTrace,
  queries: readonly IndexedSpan[],
  repeated: readonly Warning[],
): Warning[] {
  // Two of the same N+1 group: that warning says it already (and one query, not Promise.all, is the fix).
  const sameGroup = (a: number, b: number) =>
    repeated.some((warning) => warning.spans.includes(a) && warning.spans.includes(b));
  const waits = connectionWaits(trace);
  const transactional = inTransaction(queries);
  const issued = (span: Span): number => waits.get(span)?.start ?? span.start;
  const warnings: Warning[] = [];
  for (let i = 1; i < queries.length; i += 1) {
    const first = queries[i - 1]!;
    const second = queries[i]!;
    const a = first.span;
    const b = second.span;
    const gap = issued(b) - a.end;
    if (!isPlainRead(a) || !isPlainRead(b) || transactional.has(a) || transactional.has(b)) continue;
    if (a.error !== undefined || gap < 0 || gap > SERIAL_GAP_MS) continue;
    if (sameGroup(first.index, second.index)) continue;
    const between = trace.spans.some(
      (other) =>
        other !== a &&
        other !== b &&
        other !== waits.get(b) &&
        other.kind !== 'handler' &&
        other.kind !== 'flush' &&
        other.start < issued(b) &&
        (Number.isNaN(other.end) || other.end > a.end),
    );
    if (between || usesResultOf(a, b) !== false) continue;
    const saved = Math.min(a.end - a.start, b.end - issued(b));
    warnings.push({
      kind: 'serial-reads',
      title: 'Two reads awaited one after the other, the second not given anything the first returned',
      detail:
        `\`${shortenSql(a.name)}\` then \`${shortenSql(b.name)}\` — issued together (Promise.all), the request would ` +
        `wait about ${saved.toFixed(2)} ms less.`,
      spans: [first.index, second.index],
    });
  }
  return warnings;
}

/** Every warning of a trace, N+1 first. */
export function analyseTrace(trace: RequestTrace): Warning[] {
  const queries = queriesOf(trace);
  const repeated = repeatedShapes(queries);
  return [...repeated, ...identicalStatements(queries), ...serialReads(trace, queries, repeated)];
}
