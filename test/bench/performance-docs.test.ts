// docs/performance.md: its list-articles diagram is one Mermaid itself accepts, in the house style, and
// shows what the code does: the page and its count in flight together, then the reply.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { mermaidBlocks, parseSequence } from '../tracing/parse-diagram.ts';

test('docs/performance.md: the list-articles diagram parses, numbered, page and count in parallel', async () => {
  const markdown = await readFile(new URL('../../docs/performance.md', import.meta.url), 'utf8');
  const [diagram, ...others] = mermaidBlocks(markdown);
  assert.ok(diagram !== undefined && others.length === 0, 'one diagram');
  assert.ok(diagram.startsWith('sequenceDiagram\n  autonumber\n'), 'sequenceDiagram, then autonumber');
  const { statements } = await parseSequence(diagram);
  const kinds = statements.map((s) => s.type);
  assert.deepEqual(
    kinds.filter((k) => k === 'par' || k === 'and' || k === 'end'),
    ['par', 'and', 'end'],
  );
  const calls = statements.filter((s) => s.type === 'call');
  const replies = statements.filter((s) => s.type === 'reply');
  assert.equal(calls.length, replies.length, 'every request has its reply');
  assert.match(calls[0]!.text, /GET \/api\/articles\?limit=20/);
  assert.equal(replies.at(-1)!.to, calls[0]!.from, 'the last reply goes back to the client');
});
