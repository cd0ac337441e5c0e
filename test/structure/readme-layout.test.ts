// The README's layout section cannot drift: every top-level part of the repository, of src/ and of tools/, and
// every module of src/db/, is named in it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
const layout = /^## Layout\n[\s\S]*?```\n([\s\S]*?)```/m.exec(readme)?.[1] ?? '';

/** The entries of a folder as the layout names them: folders with a trailing slash. */
function entries(folder: string, skip: readonly string[] = []): string[] {
  return readdirSync(new URL(folder, ROOT), { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.') && !skip.includes(entry.name))
    .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name));
}

test('the README has a layout section', () => {
  assert.ok(layout.length > 1_000, 'a ``` block under "## Layout"');
});

test("the README's layout names every part of src/, tools/ and src/db/", () => {
  const parts = [
    ...entries('src/', ['types']),
    ...entries('tools/'),
    ...entries('src/db/'),
    ...['bin/', 'bench/', 'test/', 'docs/', 'dist/'],
  ];
  const unnamed = parts.filter(
    (part) => !new RegExp(`(^|[\\s(,])${part.replace('.', '\\.')}`, 'm').test(layout),
  );
  assert.deepEqual(unnamed, [], 'parts the layout section does not name');
});

test('the README reads on a terminal and a code host: no line wider than 120 characters', () => {
  const wide = readme
    .split('\n')
    .flatMap((line, at) => (line.length > 120 ? [`${at + 1}: ${line.slice(0, 60)}…`] : []));
  assert.deepEqual(wide, []);
});
