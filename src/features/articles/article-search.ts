// Search: list pages of the articles whose title, description or body match `q` (websearch_to_tsquery's
// syntax over the english configuration, Korean particles stripped: 0005_search). The matches come from
// gather_search_articles, which plans its statement for the query's own words (a common word is read newest
// first from the primary key, a rare one from the GIN index): at most SEARCH_LIMIT of them, newest first, each
// with its rank. A page is ranked by relevance among those (ts_rank: title over description over body, newer
// first on a tie), or newest first; then the same per-row work as every list page, for its rows only.
import type { Db } from '../../db/database.ts';
import { desc, eq, sql } from '../../db/orm.ts';
import { articles, users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { NEWEST_ID, type PageWindow } from '../../http/paging.ts';
import { aliased } from '../shared/sql.ts';
import {
  type ArticleListRow,
  type ArticlePage,
  type ListFilter,
  listFields,
  PAGE_DIRECTIONS,
  trimmed,
  windowValues,
} from './article-lists.ts';

const ph = sql.placeholder;

/** The matches a search reads at most, newest first: its count's cap, and the deepest it pages (GitHub caps
 * its search at 1,000 results the same way). Relevance is ranked among these. */
export const SEARCH_LIMIT = 1_000;

export type SearchOrder = 'relevance' | 'recent';
export type SearchFilter = ListFilter & Readonly<{ q: string; order: SearchOrder }>;

/** The matches as a table (id, rank), ranked or not; the filters not given are NULL. */
const matches = (ranked: boolean) =>
  sql`gather_search_articles(${ph('q')}, ${ph('tag')}, ${ph('author')}, ${ph('favorited')}, ${sql.raw(String(ranked))}, ${SEARCH_LIMIT})`;

type SearchRow = ArticleListRow & { total: number };
type PageOrder = SearchOrder | PageWindow['direction'];

/**
 * One page's matches, each with how many matches there are in all (counted over every match before the page
 * is cut from them, so that the page and its count are one execution of the search): by relevance, or newest
 * first older or newer than the cursor.
 */
function pageMatches(db: Db, order: Exclude<PageOrder, 'recent'>) {
  const all = db
    .select({
      id: sql<number>`m.id`.as('match_id'),
      rank: sql<number>`m.rank`.as('match_rank'),
      total: sql<number>`(count(*) over ())::int`.as('match_total'),
    })
    .from(sql`${matches(order === 'relevance')} m`)
    .as('all_matches');
  const query = db.select().from(all);
  if (order === 'relevance') {
    return query
      .orderBy(desc(all.rank), desc(all.id))
      .limit(ph('window'))
      .offset(ph('offset'))
      .as('page_matches');
  }
  const { from, order: direction } = PAGE_DIRECTIONS[order];
  return query
    .where(sql`${all.id} ${from} ${ph('cursor')}`)
    .orderBy(sql`${all.id} ${direction}`)
    .limit(ph('window'))
    .offset(ph('offset'))
    .as('page_matches');
}

/** A page statement: the list's per-row work for the page's matches only, in the page's order. */
function pageStatement(db: Db, order: Exclude<PageOrder, 'recent'>) {
  const page = pageMatches(db, order);
  return prepare<SearchRow>(
    db,
    `search_page_${order}`,
    db
      .select(aliased({ ...listFields, total: sql`${page.total}` }))
      .from(articles)
      .innerJoin(users, eq(users.id, articles.authorId))
      .innerJoin(page, eq(page.id, articles.id))
      .orderBy(...(order === 'relevance' ? [desc(page.rank), desc(articles.id)] : [desc(articles.id)])),
  );
}

export function createSearchQueries(db: Db) {
  const statements = {
    relevance: pageStatement(db, 'relevance'),
    before: pageStatement(db, 'before'),
    after: pageStatement(db, 'after'),
    count: prepare<{ count: number }>(
      db,
      'search_count',
      db.select(aliased({ count: sql`count(*)::int` })).from(sql`${matches(false)} m`),
    ),
  };

  return {
    /** A page of the articles that match `filter.q` (and its other filters), by relevance or newest first. */
    page: async (filter: SearchFilter, viewerId: number | null, window: PageWindow): Promise<ArticlePage> => {
      const { q, tag = null, author = null, favorited = null } = filter;
      const values = { q, tag, author, favorited, viewerId: viewerId ?? 0, ...windowValues(window) };
      const rows = await statements[filter.order === 'relevance' ? 'relevance' : window.direction](values);
      // A page past the last match carries no count: only then is it read on its own.
      const count =
        rows[0]?.total ??
        (window.offset === 0 && window.id === NEWEST_ID
          ? 0
          : ((await statements.count(values))[0]?.count ?? 0));
      return { ...trimmed(rows, window), count };
    },
  };
}
