// Browser script of /_gather/traces: new requests appear at the top of the list as they finish, pushed by
// the server as server-sent events (each one a ready table row, filtered on the server like the page).
const rows = document.getElementById('traces');
const live = document.getElementById('live');
const events = new EventSource(rows.dataset.events);
events.addEventListener('open', () => {
  live.textContent = 'Live: new requests appear at the top.';
  document.body.dataset.live = 'open';
});
events.addEventListener('error', () => {
  live.textContent = 'Live updates paused (is Gather running?); retrying.';
  document.body.dataset.live = 'retrying';
});
events.addEventListener('trace', (event) => {
  const template = document.createElement('template');
  template.innerHTML = event.data.trim();
  const row = template.content.firstElementChild;
  row.classList.add('new');
  rows.prepend(row);
  document.getElementById('empty').hidden = true;
});
