// /_gather/traces: the recent requests, newest arrival first, filtered by the query string (a plain GET form,
// so it works without JavaScript); trace-list.js adds the requests that arrive later, pushed by the server
// (server-sent events, filtered by the same rules on the server). Two radio columns pick the pair to compare.
import { Type } from '../http/typebox.ts';
import { escapeHtml, page } from './html.ts';
import type { RequestTrace } from './recorder.ts';
import { querySpans } from './recorder.ts';
import { COMPARE_PATH, EVENTS_PATH, LIST_SCRIPT_PATH, TRACES_PATH, traceUrl } from './trace-pages.ts';
import { traceDuration } from './waterfall.ts';

/** The list's query string: every field optional, and empty when a form field is left blank. */
export const TraceListQuery = Type.Object({
  path: Type.Optional(Type.String({ maxLength: 500 })),
  method: Type.Optional(Type.String({ pattern: '^[A-Za-z]{0,10}$' })),
  status: Type.Optional(Type.String({ pattern: '^([1-5][0-9x]{2})?$' })),
  min: Type.Optional(Type.String({ pattern: '^([0-9]+(\\.[0-9]+)?)?$' })),
  all: Type.Optional(Type.Literal('1')),
});

export type TraceFilter = Readonly<{
  /** Part of the URL, any case. */
  path: string;
  method: string;
  /** '200', or a class like '4xx'. */
  status: string;
  minMs: number;
  /** Also show /docs, /metrics and the health checks. */
  all: boolean;
}>;

export function traceFilter(query: {
  path?: string;
  method?: string;
  status?: string;
  min?: string;
  all?: '1';
}): TraceFilter {
  return {
    path: query.path?.trim() ?? '',
    method: query.method?.toUpperCase() ?? '',
    status: query.status ?? '',
    minMs: query.min ? Number(query.min) : 0,
    all: query.all === '1',
  };
}

/** Requests people rarely look for: Swagger UI and its assets, the metrics scrape, the health checks. */
export function isHousekeeping(trace: RequestTrace): boolean {
  const path = trace.url.split('?')[0]!;
  return path === '/docs' || path.startsWith('/docs/') || ['/metrics', '/healthz', '/readyz'].includes(path);
}

export function matches(filter: TraceFilter, trace: RequestTrace): boolean {
  if (!filter.all && isHousekeeping(trace)) return false;
  if (filter.path !== '' && !trace.url.toLowerCase().includes(filter.path.toLowerCase())) return false;
  if (filter.method !== '' && trace.method !== filter.method) return false;
  if (filter.status !== '') {
    const status = String(trace.status);
    if ([...filter.status].some((char, i) => char !== 'x' && char !== status[i])) return false;
  }
  return traceDuration(trace) >= filter.minMs;
}

/** The query string of a filter (empty fields left out), for links and the event stream. */
export function filterQuery(filter: TraceFilter): string {
  const params = new URLSearchParams();
  if (filter.path !== '') params.set('path', filter.path);
  if (filter.method !== '') params.set('method', filter.method);
  if (filter.status !== '') params.set('status', filter.status);
  if (filter.minMs > 0) params.set('min', String(filter.minMs));
  if (filter.all) params.set('all', '1');
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** One row of the list (also what the event stream sends for a new request). */
export function traceRow(trace: RequestTrace): string {
  const id = escapeHtml(trace.id);
  return `<tr data-trace="${id}">
<td><input type="radio" name="a" value="${id}" form="compare" aria-label="compare as A"></td>
<td><input type="radio" name="b" value="${id}" form="compare" aria-label="compare as B"></td>
<td>${escapeHtml(trace.startedAt.toISOString().slice(11, 23))}</td>
<td><a href="${traceUrl(trace)}">${escapeHtml(`${trace.method} ${trace.url}`)}</a></td>
<td class="num">${trace.status}</td>
<td class="num">${traceDuration(trace).toFixed(2)}</td>
<td class="num">${querySpans(trace).length}</td>
<td><a href="${traceUrl(trace)}.mmd">.mmd</a></td>
</tr>`;
}

/** Newest arrival first. */
export function byArrival(traces: readonly RequestTrace[]): RequestTrace[] {
  return [...traces].sort((a, b) => b.start - a.start);
}

function filterForm(filter: TraceFilter): string {
  const methods = ['', 'GET', 'POST', 'PUT', 'DELETE'].map(
    (method) =>
      `<option value="${method}"${method === filter.method ? ' selected' : ''}>${method === '' ? 'any' : method}</option>`,
  );
  return `<form class="filters" method="get" action="${TRACES_PATH}">
<label>path contains<input type="text" name="path" value="${escapeHtml(filter.path)}" placeholder="/api/articles"></label>
<label>method<select name="method">${methods.join('')}</select></label>
<label>status<input type="text" name="status" value="${escapeHtml(filter.status)}" placeholder="200 or 4xx" pattern="([1-5][0-9x]{2})?"></label>
<label>at least (ms)<input type="number" name="min" min="0" step="any" value="${filter.minMs > 0 ? filter.minMs : ''}"></label>
<label class="toggle"><input type="checkbox" name="all" value="1"${filter.all ? ' checked' : ''}> show /docs, /metrics and health checks</label>
<button type="submit">Filter</button> <a href="${TRACES_PATH}">clear</a>
</form>`;
}

export function traceListPage(traces: readonly RequestTrace[], filter: TraceFilter): string {
  const shown = byArrival(traces).filter((trace) => matches(filter, trace));
  const hidden = filter.all ? 0 : traces.filter(isHousekeeping).length;
  const note =
    hidden === 0
      ? ''
      : ` ${hidden} request${hidden === 1 ? '' : 's'} to /docs, /metrics or health checks hidden (tick the box to show them).`;
  const empty =
    traces.length === 0
      ? 'No requests traced yet. Send one to the API (for example <code>GET /api/articles</code>): it appears here.'
      : 'No request matches these filters yet.';
  return page(
    'Gather traces',
    `<h1>Recent requests</h1>
<p>Newest arrival first; click a request for its timeline, warnings and sequence diagram.${escapeHtml(note)}
<span id="live" class="muted">Reload to see new requests.</span></p>
${filterForm(filter)}
<form id="compare" method="get" action="${COMPARE_PATH}"><button type="submit">Compare A with B</button>
<span class="muted">pick two requests in the A and B columns: their timelines side by side, on one time scale</span></form>
<table>
<thead><tr><th>A</th><th>B</th><th>Arrived (UTC)</th><th>Request</th><th class="num">Status</th><th class="num">ms</th><th class="num">Round trips</th><th>Text</th></tr></thead>
<tbody id="traces" data-events="${EVENTS_PATH}${escapeHtml(filterQuery(filter))}">
${shown.map(traceRow).join('\n')}
</tbody>
</table>
<p id="empty" class="muted"${shown.length === 0 ? '' : ' hidden'}>${empty}</p>`,
    [LIST_SCRIPT_PATH],
  );
}
