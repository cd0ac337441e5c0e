// One request's spans as a waterfall: a bar per span on one time axis (the request's arrival is 0), so what
// overlapped is seen. Plain HTML and CSS: each row is a <details> whose summary is the bar, and a click opens
// the span's facts (full SQL, rows, duration, wait for a connection) without any script.
import type { Warning } from './analysis.ts';
import { connectionWaits } from './analysis.ts';
import { escapeHtml, ms } from './html.ts';
import type { RequestTrace, Span } from './recorder.ts';

export type WaterfallOptions = {
  /** Milliseconds the axis spans (default: the request's own duration); compare views share one. */
  scaleMs?: number;
  /** Prefix of the rows' ids (span-<n>), unique per waterfall on a page. */
  idPrefix?: string;
  warnings?: readonly Warning[];
};

const KIND_LABEL: Record<Span['kind'], string> = {
  handler: 'handler',
  query: 'query',
  'pool-wait': 'pool wait',
  io: 'I/O',
  flush: 'sent',
};

/** A round step for the axis: at most ~8 ticks. */
function tickStep(scaleMs: number): number {
  for (const base of [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]) {
    if (scaleMs / base <= 8) return base;
  }
  return 10_000;
}

/** The end of a span, or of the trace for one still running when it was drawn (an aborted request). */
export const spanEnd = (span: Span, trace: RequestTrace): number =>
  Number.isNaN(span.end) ? traceEnd(trace) : span.end;

export const traceEnd = (trace: RequestTrace): number => (Number.isNaN(trace.end) ? trace.start : trace.end);

export const traceDuration = (trace: RequestTrace): number => traceEnd(trace) - trace.start;

const percent = (value: number, scale: number): string => `${((value / scale) * 100).toFixed(3)}%`;

function bar(kind: string, from: number, to: number, scale: number): string {
  return `<span class="track"><span class="bar kind-${kind}" style="left:${percent(from, scale)};width:${percent(to - from, scale)}"></span></span>`;
}

function label(span: Span): string {
  const text = span.kind === 'query' ? span.name.replace(/\s+/g, ' ').trim() : span.name;
  return `${KIND_LABEL[span.kind]}: ${text}`;
}

function facts(span: Span, trace: RequestTrace, wait: Span | undefined): string {
  const start = span.start - trace.start;
  const duration = spanEnd(span, trace) - span.start;
  const items: [string, string][] = [
    ['kind', `${KIND_LABEL[span.kind]} (${escapeHtml(span.peer)})`],
    ['from', `+${ms(start)}`],
    [
      'duration',
      Number.isNaN(span.end) ? `${ms(duration)} (still running when the request ended)` : ms(duration),
    ],
  ];
  if (span.kind === 'query') {
    const rows = span.query?.rows;
    items.push(['rows returned', rows === undefined ? 'unknown' : String(rows)]);
    items.push([
      'wait for a connection',
      wait === undefined
        ? 'none recorded (an idle pooled connection, or PGlite’s single one)'
        : `${ms(wait.end - wait.start)}, from +${ms(wait.start - trace.start)}`,
    ]);
  }
  if (span.error !== undefined) items.push(['error', `<span class="error">${escapeHtml(span.error)}</span>`]);
  const list = items.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('');
  const sql =
    span.kind === 'query'
      ? `<pre class="sql">${escapeHtml(span.name.trim())}</pre><p class="muted">The statement as sent: parameters are <code>$1, $2…</code>; their values are never recorded.</p>`
      : '';
  return `<div class="detail"><dl>${list}</dl>${sql}</div>`;
}

/** The waterfall of one trace: an axis, the whole request, then every span in start order. */
export function renderWaterfall(trace: RequestTrace, options: WaterfallOptions = {}): string {
  const total = traceDuration(trace);
  const scale = Math.max(options.scaleMs ?? total, 0.001);
  const prefix = options.idPrefix ?? '';
  const waits = connectionWaits(trace);
  const warned = new Set((options.warnings ?? []).flatMap((warning) => warning.spans));
  const step = tickStep(scale);
  const ticks: string[] = [];
  for (let at = 0; at <= scale + 1e-9; at += step) {
    ticks.push(`<span class="tick" style="left:${percent(at, scale)}">${Number(at.toFixed(1))}</span>`);
  }
  const rows = trace.spans
    .map((span, index) => ({ span, index }))
    .sort((a, b) => a.span.start - b.span.start)
    .map(({ span, index }) => {
      const from = span.start - trace.start;
      const to = spanEnd(span, trace) - trace.start;
      const classes = `span${warned.has(index) ? ' warned' : ''}`;
      return `<details class="${classes}" id="${prefix}span-${index}" data-kind="${span.kind}" data-start="${from.toFixed(3)}" data-end="${to.toFixed(3)}">
<summary><span class="label" title="${escapeHtml(label(span))}">${escapeHtml(label(span))}</span>${bar(span.kind, from, to, scale)}<span class="took">${ms(to - from)}</span></summary>
${facts(span, trace, waits.get(span))}
</details>`;
    });
  return `<div class="waterfall" data-scale="${scale.toFixed(3)}">
<div class="row axis"><span class="label muted">ms from arrival</span><span class="track">${ticks.join('')}</span><span></span></div>
<div class="row" data-kind="request"><span class="label"><strong>${escapeHtml(`${trace.method} ${trace.url}`)}</strong></span>${bar('request', 0, total, scale)}<span class="took">${ms(total)}</span></div>
${rows.join('\n')}
</div>
<p class="legend muted">bars:<span class="kind-request"></span>request<span class="kind-handler"></span>handler<span class="kind-query"></span>query<span class="kind-pool-wait"></span>pool wait<span class="kind-io"></span>other I/O (hashing)<span class="kind-flush"></span>streamed part sent · click a row for its details</p>`;
}
