// Every diagram in docs/latency.md passes Mermaid's own parser and follows the house style.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { mermaidBlocks, parseSequence } from '../tracing/parse-diagram.ts';

test('docs/latency.md: every diagram parses, numbered, with requests and replies', async () => {
  const markdown = await readFile(new URL('../../docs/latency.md', import.meta.url), 'utf8');
  const blocks = mermaidBlocks(markdown);
  assert.ok(blocks.length >= 4, `found ${blocks.length} diagrams`);
  for (const block of blocks) {
    const { statements } = await parseSequence(block);
    assert.ok(block.startsWith('sequenceDiagram\n  autonumber\n'), 'sequenceDiagram, then autonumber');
    assert.ok(statements.some((s) => s.type === 'call'));
    assert.ok(statements.some((s) => s.type === 'reply'));
  }
});
