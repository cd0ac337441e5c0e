// A finished request trace → a Mermaid sequenceDiagram (pure: text in, text out).
// Client → Gather is the request; each recorded span is a call from Gather to its peer and the peer's reply.
// Spans whose time intervals overlap were in flight together: they are drawn as the lanes of a `par` block.
import type { RequestTrace, Span } from './recorder.ts';

export type DiagramOptions = {
  /** Longest message text on an arrow; longer SQL is shortened (default 80). */
  maxMessageLength?: number;
  /**
   * Durations as notes (default true). False for committed docs: the same flow then draws the same text on
   * every run, while the shape (what is serial, what overlaps) still comes from the measured times.
   */
  timings?: boolean;
  /**
   * Each query's full SQL (one line, still without parameter values) as a `%%` comment above its arrow
   * (default false): Mermaid ignores it, a reader of the .mmd text finds the statement the arrow shortens.
   */
  fullSql?: boolean;
};

const CLIENT = 'Client';
const GATHER = 'Gather';
/** Peers drawn left to right: the pool sits between Gather and the database it hands out connections to. */
const PEER_ORDER = ['Pool', 'Database'];

const REPLY: Record<Exclude<Span['kind'], 'flush'>, string> = {
  handler: 'done',
  query: 'result',
  'pool-wait': 'connection',
  io: 'done',
};

/** A query's reply names the rows it returned, when known. */
function replyText(span: Span): string {
  if (span.error !== undefined) return `error: ${span.error}`;
  const rows = span.query?.rows;
  if (span.kind === 'query' && rows !== undefined) return `${rows} row${rows === 1 ? '' : 's'}`;
  return REPLY[span.kind as keyof typeof REPLY];
}

const ENTITY: Record<string, string> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;' };

/**
 * Mermaid message text: one line, and the characters Mermaid reads as syntax written as its entity codes
 * (`;` ends a statement, `#…;` is an entity, `<…>` is HTML).
 */
export function escapeMessage(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[#;<>]/g, (char) => ENTITY[char]!);
}

/** Replaces the content of top-level parentheses longer than `limit` characters with an ellipsis. */
function collapseGroups(sql: string, limit: number): string {
  let out = '';
  let depth = 0;
  let groupStart = 0;
  for (let i = 0; i < sql.length; i += 1) {
    const char = sql[i];
    if (char === '(') {
      if (depth === 0) groupStart = i;
      depth += 1;
    } else if (char === ')' && depth > 0) {
      depth -= 1;
      if (depth === 0) {
        const inner = sql.slice(groupStart + 1, i);
        out += inner.length > limit ? '(…)' : `(${inner})`;
      }
    } else if (depth === 0) out += char;
  }
  return depth === 0 ? out : out + sql.slice(groupStart);
}

/** The column list of a top-level `select … from`, or undefined when there is none. */
function selectList(sql: string): string | undefined {
  if (!/^select /i.test(sql)) return undefined;
  let depth = 0;
  for (let i = 7; i < sql.length; i += 1) {
    if (sql[i] === '(') depth += 1;
    else if (sql[i] === ')') depth -= 1;
    else if (depth === 0 && /^ from /i.test(sql.slice(i, i + 6))) return sql.slice(7, i);
  }
  return undefined;
}

/**
 * SQL as one readable line: identifiers unquoted, long column lists and sub-expressions elided, cut at
 * `max` characters. Parameter values are never in the text (they travel separately as $1, $2…).
 */
export function shortenSql(sql: string, max = 80): string {
  let text = sql
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/"([a-z_][a-z0-9_]*)"/g, '$1');
  const columns = selectList(text);
  if (columns !== undefined && columns.length > 24) text = `select …${text.slice(7 + columns.length)}`;
  text = collapseGroups(text, 24).replace(/ returning .{24,}$/i, ' returning …');
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

const ms = (value: number): string => `${value.toFixed(2)} ms`;

/** A participant id Mermaid accepts, with the peer's own name as its label when they differ. */
export function participant(name: string): { id: string; line: string } {
  const id = name.replace(/[^A-Za-z0-9_]/g, '_');
  return { id, line: id === name ? `participant ${id}` : `participant ${id} as ${escapeMessage(name)}` };
}

/** Intervals sorted by start, split into clusters of transitively overlapping ones (drawn as `par` lanes). */
export function clusters<T extends Readonly<{ start: number; end: number }>>(intervals: readonly T[]): T[][] {
  const result: T[][] = [];
  let clusterEnd = Number.NEGATIVE_INFINITY;
  for (const interval of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = result.at(-1);
    if (last !== undefined && interval.start < clusterEnd) {
      last.push(interval);
      clusterEnd = Math.max(clusterEnd, interval.end);
    } else {
      result.push([interval]);
      clusterEnd = interval.end;
    }
  }
  return result;
}

/** Interval partitioning: each lane holds spans that follow one another; lanes run side by side. */
function lanes(cluster: readonly Span[]): Span[][] {
  const result: Span[][] = [];
  for (const span of cluster) {
    const free = result.find((lane) => lane.at(-1)!.end <= span.start);
    if (free === undefined) result.push([span]);
    else free.push(span);
  }
  return result;
}

export function renderSequenceDiagram(trace: RequestTrace, options: DiagramOptions = {}): string {
  const maxLength = options.maxMessageLength ?? 80;
  const timings = options.timings ?? true;
  const traceEnd = Number.isNaN(trace.end) ? trace.start : trace.end;
  // A span still running when the trace was drawn (an aborted request) is drawn up to the trace's end.
  const finished = (span: Span): Span => (Number.isNaN(span.end) ? { ...span, end: traceEnd } : span);
  const handler = trace.spans.find((span) => span.kind === 'handler');
  const calls = trace.spans.filter((span) => span.kind !== 'handler').map(finished);

  // A streamed part goes to the client: not a peer of its own.
  const peerNames = [...new Set(calls.filter((span) => span.kind !== 'flush').map((span) => span.peer))].sort(
    (a, b) => {
      const rank = (name: string) => (PEER_ORDER.includes(name) ? PEER_ORDER.indexOf(name) : -1);
      return rank(a) - rank(b);
    },
  );
  const peers = new Map(peerNames.map((name) => [name, participant(name)]));

  const lines = ['sequenceDiagram', '  autonumber', `  participant ${CLIENT}`, `  participant ${GATHER}`];
  for (const peer of peers.values()) lines.push(`  ${peer.line}`);
  lines.push(`  ${CLIENT}->>+${GATHER}: ${escapeMessage(`${trace.method} ${trace.url}`)}`);

  const drawCall = (span: Span, indent: string): void => {
    if (span.kind === 'flush') {
      // One dashed arrow: a piece of the response, which the client does not answer.
      lines.push(`${indent}${GATHER}-->>${CLIENT}: ${escapeMessage(span.name)}`);
      if (timings)
        lines.push(`${indent}Note over ${CLIENT},${GATHER}: sent at +${ms(span.start - trace.start)}`);
      return;
    }
    const peer = peers.get(span.peer)!.id;
    const text = span.kind === 'query' ? shortenSql(span.name, maxLength) : span.name;
    const reply = replyText(span);
    if (options.fullSql === true && span.kind === 'query') {
      lines.push(`${indent}%% ${span.name.replace(/\s+/g, ' ').trim()}`);
    }
    const took =
      span.kind === 'pool-wait' ? `waited ${ms(span.end - span.start)}` : ms(span.end - span.start);
    lines.push(
      `${indent}${GATHER}->>${peer}: ${escapeMessage(text)}`,
      `${indent}${peer}-->>${GATHER}: ${escapeMessage(reply.slice(0, maxLength))}`,
    );
    if (timings) {
      lines.push(`${indent}Note over ${GATHER},${peer}: ${took}, from +${ms(span.start - trace.start)}`);
    }
  };

  for (const cluster of clusters(calls)) {
    if (cluster.length === 1) {
      drawCall(cluster[0]!, '  ');
      continue;
    }
    const parallel = lanes(cluster);
    parallel.forEach((lane, index) => {
      lines.push(index === 0 ? `  par ${parallel.length} calls in flight together` : '  and');
      for (const span of lane) drawCall(span, '    ');
    });
    lines.push('  end');
  }

  if (handler !== undefined && timings) {
    lines.push(`  Note over ${GATHER}: handler ${ms(finished(handler).end - handler.start)}`);
  }
  lines.push(`  ${GATHER}-->>-${CLIENT}: ${trace.status === 0 ? 'no response' : trace.status}`);
  if (timings) lines.push(`  Note over ${CLIENT},${GATHER}: ${ms(traceEnd - trace.start)} in total`);
  return `${lines.join('\n')}\n`;
}

/**
 * A trace as Markdown: one line saying what was asked and answered, then the diagram as a code block that
 * GitHub and most editors draw.
 */
export function traceMarkdown(trace: RequestTrace, options: DiagramOptions = {}): string {
  const roundTrips = trace.spans.filter((span) => span.kind === 'query').length;
  const summary = `\`${trace.method} ${trace.url}\` → ${trace.status}, ${roundTrips} database round trip${roundTrips === 1 ? '' : 's'}`;
  return `${summary}\n\n\`\`\`mermaid\n${renderSequenceDiagram(trace, options)}\`\`\`\n`;
}
