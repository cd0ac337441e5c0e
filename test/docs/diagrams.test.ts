// Every diagram in docs/ passes Mermaid's own parser and follows the house style (a sequence diagram, numbered,
// requests ->>, replies -->>, and -) for a message nobody waits for); where a page's diagram shows what the code does, the row of its page
// says what it must show. One table, one test per page: a new page with diagrams gets a row.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { mermaidBlocks, parseSequence, type Statement } from '../helpers/parse-diagram.ts';

type Parsed = Awaited<ReturnType<typeof parseSequence>>;

type Page = Readonly<{
  /** How many diagrams the page has. */
  diagrams: number;
  /** The participants of each diagram, in order, where the page fixes them. */
  actors?: readonly string[];
  /** What the page's (first) diagram must show beyond the house style. */
  shows?: (diagram: Parsed) => void;
}>;

const arrows = (statements: readonly Statement[], type: 'call' | 'reply') =>
  statements.filter((s) => s.type === type && s.from !== s.to).map((s) => `${s.from}>${s.to}`);

const PAGES: Readonly<Record<string, Page>> = {
  'architecture.md': {
    diagrams: 1,
    actors: ['F', 'R', 'A', 'P', 'O', 'D'],
    // A statement goes through the query pipeline's stages in their order, and back.
    shows: ({ statements }) => {
      assert.deepEqual(arrows(statements, 'call'), ['F>R', 'R>A', 'A>P', 'P>O', 'O>D']);
      assert.deepEqual(arrows(statements, 'reply'), ['D>O', 'O>P', 'P>A', 'A>R', 'R>F']);
    },
  },
  'concurrency.md': { diagrams: 6 }, // await, Promise.all, asCompleted, and the lab in three modes
  'latency.md': { diagrams: 4 },
  'migrations.md': {
    diagrams: 1,
    actors: ['Dev', 'CLI', 'Files', 'DB'],
    shows: ({ statements }) => {
      const said = (type: Statement['type'], test: (s: Statement) => boolean) =>
        statements.some((s) => s.type === type && test(s));
      assert.ok(said('call', (s) => s.to === 'DB' && s.text.startsWith('SELECT pg_try_advisory_lock')));
      assert.ok(said('reply', (s) => s.from === 'DB' && s.text === 'committed'));
      assert.equal(statements.filter((s) => s.type === 'reply').at(-1)?.to, 'Dev');
    },
  },
  'performance.md': {
    diagrams: 1,
    // The list's page and its count in flight together, then the reply to the client.
    shows: ({ statements }) => {
      const blocks = statements.map((s) => s.type).filter((k) => k === 'par' || k === 'and' || k === 'end');
      assert.deepEqual(blocks, ['par', 'and', 'end']);
      const calls = statements.filter((s) => s.type === 'call');
      assert.match(calls[0]!.text, /GET \/api\/articles\?limit=20/);
      assert.equal(statements.filter((s) => s.type === 'reply').at(-1)!.to, calls[0]!.from);
    },
  },
  'reliability.md': { diagrams: 1, actors: ['C', 'LB', 'G1', 'G2', 'R', 'P', 'Rep'] },
  'scaling.md': {
    diagrams: 1,
    actors: ['C', 'LB', 'A', 'B', 'R', 'P', 'Rep'],
    // A write answers its WAL position; a read elsewhere checks the replica's replay against it.
    shows: ({ statements }) => {
      const said = (from: string, to: string, words: RegExp) =>
        statements.some((s) => s.from === from && s.to === to && words.test(s.text));
      assert.ok(said('A', 'P', /pg_current_wal_insert_lsn\(\)/), 'the write reads the WAL insert position');
      assert.ok(said('A', 'LB', /Gather-Wal-Position/), 'and answers it in the header');
      assert.ok(said('B', 'R', /position/), 'the other instance looks the position up');
      assert.ok(said('B', 'Rep', /pg_last_wal_replay_lsn\(\)/), "and checks the replica's replayed position");
      assert.ok(said('B', 'Rep', /select/) && said('B', 'P', /select/), 'the read goes to either');
    },
  },
  'tracing.md': { diagrams: 1 },
};

const DOCS = new URL('../../docs/', import.meta.url);

test('every page of docs/ with a diagram has a row here', () => {
  const withDiagrams = readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .filter((name) => mermaidBlocks(readFileSync(new URL(name, DOCS), 'utf8')).length > 0);
  assert.deepEqual(withDiagrams.sort(), Object.keys(PAGES).sort());
});

for (const [page, { diagrams, actors, shows }] of Object.entries(PAGES)) {
  test(`docs/${page}: ${diagrams} diagram(s) Mermaid reads, numbered, in the house's arrows`, async () => {
    const blocks = mermaidBlocks(readFileSync(new URL(page, DOCS), 'utf8'));
    assert.equal(blocks.length, diagrams);
    const parsed: Parsed[] = [];
    for (const block of blocks) {
      assert.match(block, /^sequenceDiagram\n {2}autonumber\n/, 'sequenceDiagram, then autonumber');
      for (const line of block.split('\n').filter((l) => /^\s+\w+\s*-[-x)>]/.test(l))) {
        assert.match(line, /^\s+\w+(->>|-->>|-\))[+-]?\w+: /, line);
      }
      const diagram = await parseSequence(block);
      assert.ok(
        diagram.statements.some((s) => s.type === 'call'),
        'a request',
      );
      assert.ok(
        diagram.statements.some((s) => s.type === 'reply'),
        'a reply',
      );
      if (actors !== undefined) assert.deepEqual(diagram.actors, actors);
      parsed.push(diagram);
    }
    shows?.(parsed[0]!);
  });
}
