// docs/reliability.md: its deployment diagram passes Mermaid's own parser and follows the house style.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { mermaidBlocks, parseSequence } from '../tracing/parse-diagram.ts';

test('docs/reliability.md: the deployment diagram parses, numbered, with requests and replies', async () => {
  const markdown = await readFile(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
  const blocks = mermaidBlocks(markdown);
  assert.equal(blocks.length, 1);
  const { actors, statements } = await parseSequence(blocks[0]!);
  assert.ok(blocks[0]!.startsWith('sequenceDiagram\n  autonumber\n'), 'sequenceDiagram, then autonumber');
  assert.deepEqual(actors, ['C', 'LB', 'G1', 'G2', 'R', 'P', 'Rep']);
  assert.ok(statements.some((s) => s.type === 'call'));
  assert.ok(statements.some((s) => s.type === 'reply'));
});
