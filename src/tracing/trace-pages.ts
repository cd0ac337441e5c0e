// One request's page (warnings, the waterfall, the sequence diagram drawn in the browser by Mermaid, loaded
// from this server) and the compare page (two waterfalls side by side on one time scale).
import { analyseTrace, REPEATED_SHAPE_MIN, SERIAL_RULE, type Warning } from './analysis.ts';
import { escapeHtml, inlineCode, ms, page } from './html.ts';
import { renderSequenceDiagram } from './mermaid.ts';
import { querySpans, type RequestTrace } from './recorder.ts';
import { renderWaterfall, traceDuration } from './waterfall.ts';

export const TRACES_PATH = '/_gather/traces';
export const COMPARE_PATH = `${TRACES_PATH}/compare`;
export const EVENTS_PATH = `${TRACES_PATH}/events`;
export const MERMAID_SCRIPT_PATH = '/_gather/assets/mermaid.min.js';
export const VIEWER_SCRIPT_PATH = '/_gather/assets/trace-viewer.js';
export const LIST_SCRIPT_PATH = '/_gather/assets/trace-list.js';

export const traceUrl = (trace: RequestTrace): string => `${TRACES_PATH}/${encodeURIComponent(trace.id)}`;

/** Status, time and round trips in one line. */
export function traceSummary(trace: RequestTrace): string {
  const roundTrips = querySpans(trace).length;
  return `${trace.status} in ${ms(traceDuration(trace))}, ${roundTrips} database round trip${roundTrips === 1 ? '' : 's'}`;
}

const RULES = `<details><summary>How these are decided</summary>
<ul>
<li><strong>N+1</strong>: ${REPEATED_SHAPE_MIN} or more statements of the same shape in one request (the SQL with
<code>$n</code> placeholders, literals and lists of them made alike; transaction control not counted).</li>
<li><strong>Identical statement</strong>: the same SQL with the same parameter list, twice or more (parameters are
compared by a hash; no value is kept).</li>
<li><strong>Reads awaited one after the other</strong>: ${inlineCode(SERIAL_RULE)}</li>
</ul>
</details>`;

function warningList(warnings: readonly Warning[], idPrefix = ''): string {
  if (warnings.length === 0) return `<div class="ok" id="${idPrefix}warnings">No warnings.</div>`;
  const items = warnings.map((warning) => {
    const links = warning.spans.map((index) => `<a href="#${idPrefix}span-${index}">#${index}</a>`).join(' ');
    return `<li data-warning="${warning.kind}"><strong>${escapeHtml(warning.title)}</strong> (${links})<br>${inlineCode(warning.detail)}</li>`;
  });
  return `<div class="warnings" id="${idPrefix}warnings"><ul>${items.join('\n')}</ul></div>`;
}

/** One request: its warnings, its waterfall (a click opens a span) and its sequence diagram. */
export function tracePage(trace: RequestTrace): string {
  const title = `${trace.method} ${trace.url}`;
  const warnings = analyseTrace(trace);
  return page(
    `${title} · Gather trace`,
    `<p><a href="${TRACES_PATH}">← all traces</a> · <a href="${traceUrl(trace)}.mmd">Mermaid text</a> (full SQL in its <code>%%</code> comments)</p>
<h1>${escapeHtml(title)}</h1>
<p>${traceSummary(trace)}, arrived ${escapeHtml(trace.startedAt.toISOString())}, trace id <code>${escapeHtml(trace.id)}</code></p>
<h2>Warnings</h2>
${warningList(warnings)}
${RULES}
<h2>Timeline</h2>
${renderWaterfall(trace, { warnings })}
<h2>Sequence diagram</h2>
<pre class="mermaid">${escapeHtml(renderSequenceDiagram(trace))}</pre>
<p class="error" id="diagram-error" hidden></p>`,
    [MERMAID_SCRIPT_PATH, VIEWER_SCRIPT_PATH],
  );
}

/** Two requests side by side, their waterfalls on one time scale (the longer request's duration). */
export function comparePage(a: RequestTrace, b: RequestTrace): string {
  const scaleMs = Math.max(traceDuration(a), traceDuration(b));
  const column = (trace: RequestTrace, side: 'a' | 'b') => {
    const warnings = analyseTrace(trace);
    return `<section data-side="${side}">
<h2><a href="${traceUrl(trace)}">${escapeHtml(`${trace.method} ${trace.url}`)}</a></h2>
<p>${traceSummary(trace)}</p>
${warningList(warnings, `${side}-`)}
${renderWaterfall(trace, { scaleMs, idPrefix: `${side}-`, warnings })}
</section>`;
  };
  return page(
    'Compare traces · Gather',
    `<p><a href="${TRACES_PATH}">← all traces</a></p>
<h1>Two requests on one time scale (0–${ms(scaleMs)})</h1>
<div class="compare">
${column(a, 'a')}
${column(b, 'b')}
</div>`,
  );
}
