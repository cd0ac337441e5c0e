// docs/reliability.md and docs/scaling.md: their diagrams pass Mermaid's own parser and follow the house style.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { mermaidBlocks, parseSequence } from '../tracing/parse-diagram.ts';

/** The one diagram of a docs page, parsed by Mermaid; it starts with `sequenceDiagram` then `autonumber`. */
async function onlyDiagram(page: string) {
  const markdown = await readFile(new URL(`../../docs/${page}`, import.meta.url), 'utf8');
  const blocks = mermaidBlocks(markdown);
  assert.equal(blocks.length, 1);
  assert.ok(blocks[0]!.startsWith('sequenceDiagram\n  autonumber\n'), 'sequenceDiagram, then autonumber');
  return parseSequence(blocks[0]!);
}

test('docs/reliability.md: the deployment diagram parses, numbered, with requests and replies', async () => {
  const { actors, statements } = await onlyDiagram('reliability.md');
  assert.deepEqual(actors, ['C', 'LB', 'G1', 'G2', 'R', 'P', 'Rep']);
  assert.ok(statements.some((s) => s.type === 'call'));
  assert.ok(statements.some((s) => s.type === 'reply'));
});

test('docs/scaling.md: the write-then-read diagram parses, numbered, with the WAL-position check', async () => {
  const { actors, statements } = await onlyDiagram('scaling.md');
  assert.deepEqual(actors, ['C', 'LB', 'A', 'B', 'R', 'P', 'Rep']);
  const said = (from: string, to: string, words: RegExp) =>
    statements.some((s) => s.from === from && s.to === to && words.test(s.text));
  assert.ok(said('A', 'P', /pg_current_wal_insert_lsn\(\)/), 'the write reads the WAL insert position');
  assert.ok(said('A', 'LB', /Gather-Wal-Position/), 'and answers it in the header');
  assert.ok(said('B', 'R', /position/), 'the other instance looks the position up');
  assert.ok(said('B', 'Rep', /pg_last_wal_replay_lsn\(\)/), "and checks the replica's replayed position");
  assert.ok(
    said('B', 'Rep', /select/) && said('B', 'P', /select/),
    'the read goes to the replica or the primary',
  );
});
