// The generated flow pages (docs/flows): every diagram is read back by Mermaid's parser, each flow has the
// shape its page explains, and two runs write the same text (else `npm run docs:flows -- --check` could not pass).
// Also the hand-written diagram of docs/tracing.md.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';
import { FLOWS, generateFlowDocs } from '../../tools/docs-flows/flows.ts';
import { mermaidBlocks, parseSequence, type Statement } from '../helpers/parse-diagram.ts';

let pages: Map<string, string>;
before(async () => {
  pages = await generateFlowDocs();
});

/** The statements of a page's one diagram. */
async function statementsOf(name: string): Promise<Statement[]> {
  const blocks = mermaidBlocks(pages.get(`${name}.md`)!);
  assert.equal(blocks.length, 1, `${name}: one diagram`);
  return (await parseSequence(blocks[0]!)).statements;
}

const databaseCalls = (statements: Statement[]) =>
  statements.filter((s) => s.type === 'call' && s.to === 'Database').map((s) => s.text);

test('one page per flow plus an index that links them all; Mermaid accepts every diagram', async () => {
  assert.deepEqual([...pages.keys()].sort(), ['README.md', ...FLOWS.map((flow) => `${flow.name}.md`)].sort());
  for (const flow of FLOWS) {
    assert.ok(pages.get('README.md')!.includes(`](${flow.name}.md)`), `the index links ${flow.name}`);
    const statements = await statementsOf(flow.name);
    assert.equal(statements[0]!.type, 'autonumber');
    assert.equal(
      statements.filter((s) => s.type === 'reply').at(-1)?.from,
      'Gather',
      'the answer to the client',
    );
  }
});

test('the committed text holds no measured durations', () => {
  for (const [name, text] of pages) assert.doesNotMatch(text, /\d ms\b/, name);
});

test('independent reads are drawn in a par block; a write and the read that depends on it stay serial', async () => {
  for (const name of ['list-articles', 'article-with-comments', 'post-comment']) {
    const statements = await statementsOf(name);
    const types = statements.map((s) => s.type);
    assert.ok(types.includes('par') && types.includes('and'), `${name} has a par block`);
    assert.equal(databaseCalls(statements).length, 2, name);
  }
  const withComments = databaseCalls(await statementsOf('article-with-comments'));
  assert.match(withComments[0]!, /from articles/);
  assert.match(withComments[1]!, /from comments/);

  const feed = await statementsOf('feed');
  assert.ok(!feed.some((s) => s.type === 'par'), 'the feed reads its counters, then the page they choose');
  const [counters, page] = databaseCalls(feed);
  assert.match(counters!, /from article_totals left join feed_counts/);
  assert.match(page!, /from articles/);

  const favorite = await statementsOf('favorite');
  assert.ok(!favorite.some((s) => s.type === 'par'), 'favorite is serial');
  const [write, readBack] = databaseCalls(favorite);
  assert.match(write!, /^insert into favorites/);
  assert.match(readBack!, /^select .* from articles/);

  for (const name of ['register', 'login']) assert.equal(databaseCalls(await statementsOf(name)).length, 1);
});

test('two runs write the same pages', async () => {
  const again = await generateFlowDocs();
  assert.deepEqual([...again], [...pages]);
});

test('the diagram in docs/tracing.md is accepted by Mermaid', async () => {
  const page = await readFile(new URL('../../docs/tracing.md', import.meta.url), 'utf8');
  const blocks = mermaidBlocks(page);
  assert.equal(blocks.length, 1);
  const { actors, statements } = await parseSequence(blocks[0]!);
  assert.deepEqual(actors, ['Client', 'Gather', 'Pool', 'Database']);
  assert.ok(statements.some((s) => s.type === 'par'));
});
