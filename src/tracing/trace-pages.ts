// The trace viewer's HTML: the list of recent requests and one request's diagram (drawn in the browser by
// Mermaid, loaded from this server: the CSP allows scripts from 'self' only, so no inline script).
// An empty data: icon keeps browsers from asking for /favicon.ico (a 404 in the console otherwise).
import { renderSequenceDiagram } from './mermaid.ts';
import { querySpans, type RequestTrace } from './recorder.ts';

export const TRACES_PATH = '/_gather/traces';
export const MERMAID_SCRIPT_PATH = '/_gather/assets/mermaid.min.js';
export const VIEWER_SCRIPT_PATH = '/_gather/assets/trace-viewer.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  code, pre { font-family: ui-monospace, monospace; }
  .error { color: #b00; }`;

function page(title: string, body: string, scripts: readonly string[] = []): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${body}
${scripts.map((src) => `<script src="${src}"></script>`).join('\n')}
</body>
</html>
`;
}

export const traceUrl = (trace: RequestTrace): string => `${TRACES_PATH}/${encodeURIComponent(trace.id)}`;

const durationMs = (trace: RequestTrace): string => (trace.end - trace.start).toFixed(2);

/** Newest first, each row linking to its diagram. */
export function traceListPage(traces: readonly RequestTrace[]): string {
  const rows = traces.map(
    (trace) => `<tr>
  <td>${escapeHtml(trace.startedAt.toISOString())}</td>
  <td><a href="${traceUrl(trace)}">${escapeHtml(`${trace.method} ${trace.url}`)}</a></td>
  <td class="num">${trace.status}</td>
  <td class="num">${durationMs(trace)}</td>
  <td class="num">${querySpans(trace).length}</td>
  <td><a href="${traceUrl(trace)}.mmd">.mmd</a></td>
</tr>`,
  );
  const body =
    traces.length === 0
      ? '<p>No requests traced yet. Send one to the API (for example <code>GET /api/articles</code>) and reload.</p>'
      : `<table>
<thead><tr><th>Arrived</th><th>Request</th><th>Status</th><th>ms</th><th>Round trips</th><th>Text</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
  return page(
    'Gather traces',
    `<h1>Recent requests</h1>\n<p>Newest first; click a request to see its sequence diagram.</p>\n${body}`,
  );
}

/** One request's diagram: the Mermaid text in a <pre>, turned into SVG by trace-viewer.js. */
export function tracePage(trace: RequestTrace): string {
  const title = `${trace.method} ${trace.url}`;
  return page(
    `${title} · Gather trace`,
    `<p><a href="${TRACES_PATH}">← all traces</a> · <a href="${traceUrl(trace)}.mmd">Mermaid text</a></p>
<h1>${escapeHtml(title)}</h1>
<p>${trace.status} in ${durationMs(trace)} ms, ${querySpans(trace).length} database round trip(s),
trace id <code>${escapeHtml(trace.id)}</code></p>
<pre class="mermaid">${escapeHtml(renderSequenceDiagram(trace))}</pre>
<p class="error" id="diagram-error" hidden></p>`,
    [MERMAID_SCRIPT_PATH, VIEWER_SCRIPT_PATH],
  );
}
