// Browser script of the trace page: draws every <pre class="mermaid"> with the Mermaid served by Gather.
// When done, <body data-diagram="rendered"> (or "failed" or "text", with the reason shown) tells a watcher it
// finished. Also opens the span a warning links to.
/* global mermaid */
const leaveAsText = (state, reason) => {
  const message = document.getElementById('diagram-error');
  message.textContent = reason;
  message.hidden = false;
  document.body.dataset.diagram = state;
};
if (typeof mermaid === 'undefined') {
  // Mermaid is a devDependency: a production install serves none, and the diagram stays its text.
  leaveAsText(
    'text',
    'Mermaid is not installed on this server (a production install leaves it out): above is the diagram as Mermaid text.',
  );
} else {
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  mermaid
    .run({ querySelector: 'pre.mermaid' })
    .then(() => {
      document.body.dataset.diagram = 'rendered';
    })
    .catch((error) => leaveAsText('failed', `The diagram could not be drawn: ${error.message ?? error}`));
}

// A warning links a span (#span-3): open its details when the link is followed.
const openLinkedSpan = () => {
  const target = location.hash === '' ? null : document.getElementById(location.hash.slice(1));
  if (target instanceof HTMLDetailsElement) target.open = true;
};
window.addEventListener('hashchange', openLinkedSpan);
openLinkedSpan();
