// docs/migrations.md stays true: its diagram is a sequence diagram Mermaid itself accepts (autonumber,
// requests ->>, responses -->>), and every `gather db <command>` it names is a command that exists.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { gatherInProcess } from '../helpers/cli.ts';
import { mermaidBlocks, parseSequence } from '../tracing/parse-diagram.ts';

const DOC = new URL('../../docs/migrations.md', import.meta.url);

test('the upgrade diagram parses with Mermaid: autonumber, requests ->>, responses -->>', async () => {
  const blocks = mermaidBlocks(await readFile(DOC, 'utf8'));
  assert.equal(blocks.length, 1);
  const text = blocks[0]!;
  assert.match(text, /^sequenceDiagram\n\s+autonumber\n/);
  // Only the two arrow kinds the project draws with (no ->, -x, -) and so on).
  for (const line of text.split('\n').filter((l) => /-[->x)]/.test(l))) {
    assert.match(line, /^\s+\w+(->>|-->>)\w+: /, line);
  }
  const { actors, statements } = await parseSequence(text);
  assert.deepEqual(actors, ['Dev', 'CLI', 'Files', 'DB']);
  assert.equal(statements[0]?.type, 'autonumber');
  const calls = statements.filter((s) => s.type === 'call');
  const replies = statements.filter((s) => s.type === 'reply');
  assert.ok(calls.some((s) => s.to === 'DB' && s.text.startsWith('SELECT pg_try_advisory_lock')));
  assert.ok(replies.some((s) => s.from === 'DB' && s.text === 'committed'));
  assert.equal(replies.at(-1)?.to, 'Dev');
});

test('every `gather db <command>` in the doc exists', async () => {
  const named = new Set(
    [...(await readFile(DOC, 'utf8')).matchAll(/gather db ([a-z-]+)/g)].map((match) => match[1]!),
  );
  assert.ok(named.size >= 9, [...named].join(' '));
  for (const command of named)
    assert.equal((await gatherInProcess(['db', command, '--help'])).code, 0, command);
});
