// The extra cases of `npm run bench -- --scale`, run in this order after the read cases (--case filters them
// by name). A new case is an ExtraCase (bench/lib/scale-context.ts: its rows, its targets, its notes) added
// to this list: reads before the writes, which add articles to the datasets.
import type { ExtraCase } from './scale-context.ts';
import { createArticle, feedReaders, manyTags, popularAuthor } from './scale-growth.ts';
import { deepPageIsolation, listPage51, middlePage } from './scale-pages.ts';
import { search } from './scale-search.ts';

export const EXTRA_CASES: readonly ExtraCase[] = [
  listPage51,
  middlePage,
  deepPageIsolation,
  // Next (issue 20): a keyset-cursor page deep in the big dataset, ≥ 0.9 × page 1's rate.
  feedReaders,
  manyTags,
  search,
  // Writes last.
  createArticle,
  popularAuthor,
];
