// The trace viewer's HTML shell: escaping, one stylesheet for every page, and the page frame. Scripts come from
// this server only (the CSP allows scripts from 'self', no inline script); an empty data: icon keeps browsers
// from asking for /favicon.ico (a 404 in the console otherwise).

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

/** Escaped text whose `code` spans (Markdown backticks) become <code>. */
export function inlineCode(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

export const ms = (value: number): string => `${value.toFixed(2)} ms`;

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; margin: .5rem 0; word-break: break-all; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
  pre.sql { white-space: pre-wrap; word-break: break-word; background: #f6f6f6; padding: .5rem; margin: .3rem 0; }
  .error { color: #b00; }
  .muted { color: #666; }
  form.filters { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: end; margin: .5rem 0 1rem; }
  form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: #444; }
  form.filters label.toggle { flex-direction: row; gap: .3rem; align-items: center; }
  form.filters input[type=text], form.filters input[type=number] { width: 9rem; }
  tr.new { animation: arrived 2s ease-out; }
  @keyframes arrived { from { background: #fff3b0; } to { background: transparent; } }
  .warnings { border-left: 4px solid #d98e04; background: #fff8e6; padding: .4rem .8rem; margin: .5rem 0; }
  .warnings li { margin: .3rem 0; }
  .ok { border-left: 4px solid #3a8f3a; background: #eef8ee; padding: .4rem .8rem; }
  .waterfall { --label: 24rem; font-size: .85rem; }
  .waterfall .row, .waterfall summary { display: grid; grid-template-columns: var(--label) 1fr 5.5rem; gap: .5rem; align-items: center; }
  .waterfall summary { cursor: pointer; list-style: none; padding: 1px 0; }
  .waterfall summary::-webkit-details-marker { display: none; }
  .waterfall summary:hover { background: #f2f5fb; }
  .waterfall details[open] > summary { background: #e8eefa; }
  .waterfall .label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .waterfall .took { text-align: right; font-variant-numeric: tabular-nums; }
  .waterfall .track { position: relative; height: 14px; background: #f4f4f4; }
  .waterfall .bar { position: absolute; top: 2px; bottom: 2px; min-width: 2px; border-radius: 2px; }
  .waterfall .axis .track { height: 1.2rem; background: none; border-bottom: 1px solid #999; }
  .waterfall .tick { position: absolute; bottom: 0; transform: translateX(-50%); font-size: .75rem; color: #555; }
  .waterfall .detail { margin: .2rem 0 .6rem calc(var(--label) + .5rem); padding: .3rem .6rem; border-left: 3px solid #9ab; }
  .waterfall .detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; margin: 0; }
  .waterfall .detail dt { color: #555; }
  .waterfall .detail dd { margin: 0; }
  .waterfall .warned .label::before { content: "⚠ "; color: #b26b00; }
  .kind-request { background: #888; }
  .kind-handler { background: #5b7fb5; }
  .kind-query { background: #2f9e6e; }
  .kind-pool-wait { background: #d98e04; }
  .kind-io { background: #8e5bb5; }
  .kind-flush { background: #c0392b; }
  .compare { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
  .compare .waterfall { --label: 13rem; }
  .legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: middle; margin: 0 .2rem 0 .8rem; }`;

/** A whole page: `body` is HTML, `scripts` are paths on this server. */
export function page(title: string, body: string, scripts: readonly string[] = []): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
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
