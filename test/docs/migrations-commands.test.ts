// docs/migrations.md stays true: every `gather db <command>` it names is a command that exists (its diagram is
// checked with every other page's, in test/docs/diagrams.test.ts).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { gatherInProcess } from '../helpers/cli.ts';

const DOC = new URL('../../docs/migrations.md', import.meta.url);

test('every `gather db <command>` in the doc exists', async () => {
  const named = new Set(
    [...(await readFile(DOC, 'utf8')).matchAll(/gather db ([a-z-]+)/g)].map((match) => match[1]!),
  );
  assert.ok(named.size >= 9, [...named].join(' '));
  for (const command of named)
    assert.equal((await gatherInProcess(['db', command, '--help'])).code, 0, command);
});
