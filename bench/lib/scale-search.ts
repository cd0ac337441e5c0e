// The extra case of `npm run bench -- --scale` about search (GET /api/articles?q=) on the big dataset: a common
// word, a word of about one article in a hundred, and a rare one, each drawn from the seeded text (src/seed/
// texts.ts: nouns and series names drawn by Zipf's law). At one connection, each search's p99 (target ≤ 50 ms);
// at 16, each search's rate beside page 1's (target ≥ 0.5 ×).
import { compare, type ExtraCase, emptyOutcome } from './scale-context.ts';
import { ratioCheck, SCALE_TARGETS } from './scale-report.ts';

/** Words of the seeded text, by how many articles hold them (measured on the large dataset: docs/performance.md). */
export const SEARCH_WORDS = [
  // The first of the nouns titles and sentences draw: in a third of the articles.
  { label: 'common word', q: 'queries' },
  // The second word of 40 of the 2,000 series: in about one article in a hundred.
  { label: 'word of 1 in 100', q: 'tundra' },
  // The first word of the 50 rarest series: in about one article in four hundred.
  { label: 'rare word', q: 'secret' },
] as const;

const searchOf = (q: string) => ({
  method: 'GET' as const,
  path: `/api/articles?q=${encodeURIComponent(q)}`,
});
const PAGE_1 = { method: 'GET' as const, path: '/api/articles?limit=20' };

export const search: ExtraCase = {
  name: 'search',
  sql: false,
  async run({ big, plan }) {
    const outcome = emptyOutcome();
    const alone = await compare(
      outcome,
      this.name,
      plan,
      SEARCH_WORDS.map(({ label, q }) => ({
        side: big,
        label: `${label} (${q}) @1`,
        request: searchOf(q),
        connections: 1,
      })),
    );
    SEARCH_WORDS.forEach(({ label, q }, i) => {
      const p99 = alone[i]!.p99Ms;
      outcome.targets.push({
        pass: p99 <= SCALE_TARGETS.searchP99Ms,
        text: `search, ${label} (${q}) on big @1: p99 ${p99.toFixed(1)} ms, target ≤ ${SCALE_TARGETS.searchP99Ms}`,
      });
    });
    const [page1, ...searches] = await compare(outcome, this.name, plan, [
      { side: big, label: 'page 1 @16', request: PAGE_1, connections: 16 },
      ...SEARCH_WORDS.map(({ label, q }) => ({
        side: big,
        label: `${label} (${q}) @16`,
        request: searchOf(q),
        connections: 16,
      })),
    ]);
    SEARCH_WORDS.forEach(({ label, q }, i) => {
      outcome.targets.push(
        ratioCheck(
          `search, ${label} (${q}) on big @16`,
          searches[i]!.rps,
          'page 1',
          page1!.rps,
          SCALE_TARGETS.searchRatio,
        ),
      );
    });
    return outcome;
  },
};
