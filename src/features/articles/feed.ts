// The follow feed. Its counters come first (one row: how many authors the reader follows, how many articles
// they wrote, how many articles there are; kept by triggers, 0003_feed_counts), and they choose how the page's
// ids are found, so the work is bounded by the page whatever the reader follows:
// - byFollowee: the newest (offset + limit + 1) of each followed author from the (author_id, id) index,
//   merged: a few index descents per followee, cheap for a reader following a few authors;
// - byArticle: the newest articles from the (id, author_id) index, each author probed in the reader's
//   follows, until the page is full: about page × total ÷ feed articles probes, cheap when the followees
//   wrote a large share of the articles, whatever their number;
// - byArticleHashed: the same scan, each author looked up in a hash of the reader's follows built first: one
//   read of the follows, then a cheaper check per article, for a reader following many authors who wrote a
//   small share.
// The byArticle scans are capped at a few times their estimate; a page they leave short (followees who stopped
// writing long ago) is read byFollowee in the same statement. Dependent, so two round trips in order: the
// counters, then the page.
import type { SQL } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { sql } from '../../db/orm.ts';
import { articles, articleTotals, feedCounts, follows, users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { invalid } from '../../http/errors.ts';
import { NEWEST_ID, type PageWindow } from '../../http/paging.ts';
import { probe } from '../shared/sql.ts';
import { type ArticlePage, PAGE_DIRECTIONS, pageStatement, trimmed, windowValues } from './article-lists.ts';

const ph = sql.placeholder;

/** A reader's feed counters: followed authors, their articles (the feed's articlesCount), all articles. */
export type FeedCounts = Readonly<{ followees: number; articles: number; total: number }>;
export type FeedPlan = 'byFollowee' | 'byArticle' | 'byArticleHashed';

/** What each step costs, in µs, measured with EXPLAIN ANALYZE on the large dataset (docs/scaling.md). */
const COST_US = { descent: 1.5, row: 0.12, probe: 0.8, hashed: 0.3, lookup: 0.09 } as const;
/** A feed page estimated to cost more than this is refused with a pointer to the cursor (deep offsets only:
 * a cursor page reads offset 0). */
const FEED_PAGE_BUDGET_US = 50_000;

/** The rows a page reads in its window's direction: those it skips, the page, and one to know if more follow. */
const windowRows = (window: PageWindow) => window.offset + window.limit + 1;

/** Estimated µs of each plan for this reader and window. */
function feedCosts(counts: FeedCounts, window: PageWindow): Record<FeedPlan, number> {
  const rows = windowRows(window);
  const scanned = (rows * counts.total) / Math.max(counts.articles, 1);
  return {
    byFollowee:
      COST_US.descent * counts.followees + COST_US.row * Math.min(counts.articles, counts.followees * rows),
    byArticle: COST_US.probe * scanned,
    byArticleHashed: COST_US.hashed * counts.followees + COST_US.lookup * scanned,
  };
}

/** The cheapest of estimated costs; byFollowee on a tie (exact in one pass). */
const cheapest = (costs: Record<FeedPlan, number>): FeedPlan =>
  (['byFollowee', 'byArticle', 'byArticleHashed'] as const).reduce((best, plan) =>
    costs[plan] < costs[best] ? plan : best,
  );

/** The plan a reader's page is read by. */
export const feedPlan = (counts: FeedCounts, window: PageWindow): FeedPlan =>
  cheapest(feedCosts(counts, window));

/** How many of the newest articles byArticle reads at most: four times the rows it expects to read. */
const scanLimit = (counts: FeedCounts, window: PageWindow) =>
  Math.ceil((4 * windowRows(window) * counts.total) / Math.max(counts.articles, 1)) + 100;

/**
 * Whether a byArticle page that came back short may have been cut by its scan's cap rather than by the feed's
 * end: the scan stopped before the oldest article, and the counters do not say that the feed ends within
 * this page (a first page from the newest article, whose feed holds no more than offset + limit articles).
 */
function mayBeCut(counts: FeedCounts, window: PageWindow): boolean {
  const fromNewest = window.direction === 'before' && window.id === NEWEST_ID;
  const endsWithin = fromNewest && counts.articles <= window.offset + window.limit;
  return scanLimit(counts, window) < counts.total && !endsWithin;
}

/** The page's ids, the newest of each followed author merged. */
function byFollowee(direction: PageWindow['direction']): SQL {
  const { from, order } = PAGE_DIRECTIONS[direction];
  return sql`select newest.id from ${follows} cross join lateral (
      select own.id from ${articles} own
      where own.author_id = ${follows.followeeId} and own.id ${from} ${ph('cursor')}
      order by own.id ${order} limit ${ph('window')}::int + ${ph('offset')}::int) newest
    where ${follows.followerId} = ${ph('viewerId')}
    order by newest.id ${order} limit ${ph('window')} offset ${ph('offset')}`;
}

/** The newest `scan` articles from the cursor, those whose author passes `followed`. */
function byArticle(direction: PageWindow['direction'], followed: SQL): SQL {
  const { from, order } = PAGE_DIRECTIONS[direction];
  return sql`select recent.id from (
      select ${articles.id}, ${articles.authorId} from ${articles} where ${articles.id} ${from} ${ph('cursor')}
      order by ${articles.id} ${order} limit ${ph('scan')}) recent
    where ${followed}
    order by recent.id ${order} limit ${ph('window')} offset ${ph('offset')}`;
}

/**
 * A byArticle page, or the byFollowee page when the scan came back short and `mayBeCut` says its cap, not the
 * feed's end, may have cut it: one statement either way (the unneeded branch's one-time filter skips it).
 */
function byArticleOrFollowee(direction: PageWindow['direction'], followed: SQL): SQL {
  return sql`with scanned as materialized (${byArticle(direction, followed)})
    select id from scanned
      where not ${ph('mayBeCut')}::boolean or (select count(*) from scanned) >= ${ph('window')}
    union all
    select id from (${byFollowee(direction)}) followee_page
      where ${ph('mayBeCut')}::boolean and (select count(*) from scanned) < ${ph('window')}`;
}

/** The author probed in the reader's follows by key, for each article (as a semi-join, the planner may hash
 * every follow of the reader first, whatever the page needs). */
const probedAuthor = probe(
  sql`${follows} where ${follows.followerId} = ${ph('viewerId')} and ${follows.followeeId} = recent.author_id`,
);
/** The author looked up in a hash of the reader's follows, built once. Inside coalesce the IN stays a hashed
 * subplan, checked row by row as the scan goes (so it stops when the page is full), not a join. */
const hashedAuthor = sql`coalesce(recent.author_id in (
    select ${follows.followeeId} from ${follows} where ${follows.followerId} = ${ph('viewerId')}), false)`;

export function createFeedQueries(db: Db) {
  const counts = prepare<FeedCounts>(
    db,
    'feed_counts',
    sql`select coalesce(${feedCounts.followeesCount}, 0) as "followees",
        (coalesce(${feedCounts.pushedArticles}, 0) + coalesce((
          select sum(${users.articlesCount}) from ${follows} join ${users} on ${users.id} = ${follows.followeeId}
          where ${follows.followerId} = ${ph('viewerId')} and not ${follows.pushed}), 0))::int as "articles",
        ${articleTotals.articlesCount} as "total"
      from ${articleTotals} left join ${feedCounts} on ${feedCounts.readerId} = ${ph('viewerId')}
      where ${articleTotals.id} = 1`,
  );
  const pages = {
    byFollowee: {
      before: pageStatement(db, 'feed_page_by_followee_before', byFollowee('before')),
      after: pageStatement(db, 'feed_page_by_followee_after', byFollowee('after')),
    },
    byArticle: {
      before: pageStatement(db, 'feed_page_by_article_before', byArticleOrFollowee('before', probedAuthor)),
      after: pageStatement(db, 'feed_page_by_article_after', byArticleOrFollowee('after', probedAuthor)),
    },
    byArticleHashed: {
      before: pageStatement(
        db,
        'feed_page_by_article_hashed_before',
        byArticleOrFollowee('before', hashedAuthor),
      ),
      after: pageStatement(
        db,
        'feed_page_by_article_hashed_after',
        byArticleOrFollowee('after', hashedAuthor),
      ),
    },
  };

  return {
    /** A page of the articles of the authors `readerId` follows, newest first. */
    page: async (readerId: number, window: PageWindow): Promise<ArticlePage> => {
      const [found] = await counts({ viewerId: readerId });
      const feed = found ?? { followees: 0, articles: 0, total: 0 };
      if (feed.articles === 0) return { rows: [], count: 0, hasMore: false };
      const costs = feedCosts(feed, window);
      const plan = cheapest(costs);
      if (costs[plan] > FEED_PAGE_BUDGET_US) {
        throw invalid(
          `offset ${window.offset} is too deep for this feed; read further with the cursor of the Link ` +
            'header\'s rel="next" (cursor=before:<id>)',
        );
      }
      const rows = await pages[plan][window.direction]({
        viewerId: readerId,
        ...windowValues(window),
        scan: scanLimit(feed, window),
        mayBeCut: mayBeCut(feed, window),
      });
      return { ...trimmed(rows, window), count: feed.articles };
    },
  };
}
