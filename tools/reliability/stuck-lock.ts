// One stuck table must not take the API down. Another session holds ACCESS EXCLUSIVE on articles (what a long
// migration or a forgotten transaction does) while clients read articles, tags and profiles: the article
// reads give up within the request's deadline (503 with Retry-After, by lock_timeout, or at once when the
// articles' share of the requests in flight is full), the articles bulkhead keeps them from taking the pool
// and their share of admission from taking the process from the others, so tags and profiles answer as fast
// as before, /readyz keeps saying the truth (the database answers), and everything is 200 again right after
// release.
import pg from 'pg';
import { sleep } from '../harness/api-client.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { startGather } from '../harness/server-process.ts';
import { type Clients, p99, report, slowest, startClients, tally, within } from './samples.ts';
import { gatherSteps, SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

export type StuckLockOptions = { holdSeconds: number; articleReaders: number };

/** Clients reading tags and profiles. */
const OTHER_CLIENTS = 8;
const UNLOADED_MS = 4_000;
const AFTER_MS = 3_000;
/** Gather's defaults (README): a request's deadline. */
const DEADLINE_MS = 2_000;
/** What a client sees past the deadline at most: the refusal's own work and its way back, on a loaded machine. */
const ANSWER_MS = 100;

export async function run({ holdSeconds, articleReaders }: StuckLockOptions): Promise<boolean> {
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_stuck_lock');
  const env = scenarioEnv({ DATABASE_URL: database.url });
  const blocker = new pg.Client({ connectionString: database.url });
  try {
    await gatherSteps(env, ['db', 'upgrade'], ['seed']);
    const server = await startGather({ env });
    await blocker.connect();
    const t0 = performance.now();
    const now = () => performance.now() - t0;
    const others = 'tags and profiles';
    // Unloaded first: tags and profiles alone; then the article readers join and the lock is taken.
    const background = startClients(
      server.url,
      {
        [others]: {
          count: OTHER_CLIENTS,
          next: (i) => ({ method: 'GET', path: i % 2 === 0 ? '/api/tags' : '/api/profiles/ada_lovelace1' }),
        },
        readyz: { count: 1, next: () => ({ method: 'GET', path: '/readyz' }), pauseMs: 100 },
      },
      now,
    );
    let readers: Clients | undefined;
    try {
      await sleep(UNLOADED_MS);
      const loadedAt = now();
      readers = startClients(
        server.url,
        {
          // Well-behaved clients, which wait as Retry-After says (the overload scenario measures clients that
          // do not): past the articles' share of the requests in flight, readers are refused and come back.
          articles: {
            count: articleReaders,
            honourRetryAfter: true,
            next: (i) => ({
              method: 'GET',
              path: i % 2 === 0 ? '/api/articles?limit=10' : '/api/articles?tag=postgres',
            }),
          },
        },
        now,
      );
      await sleep(1_000);
      const lockedAt = now();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE articles IN ACCESS EXCLUSIVE MODE');
      await sleep(holdSeconds * 1_000);
      const releasedAt = now();
      await blocker.query('COMMIT');
      await sleep(AFTER_MS);
      await Promise.all([background.stop(), readers.stop()]);
      const samples = [...background.samples, ...readers.samples];
      const before = within(samples, others, 500, loadedAt);
      const lockedOthers = within(samples, others, lockedAt, releasedAt);
      const lockedArticles = within(samples, 'articles', lockedAt + 100, releasedAt);
      const lockedReadyz = within(samples, 'readyz', lockedAt, releasedAt);
      // From a second after the release: tags, profiles and /readyz all 200; article reads 200, or refused at
      // once with Retry-After when more readers than the articles' share are in flight.
      const afterRelease = samples.filter((s) => s.startedAt >= releasedAt + 1_000);
      const afterOthers = afterRelease.filter((s) => s.group !== 'articles');
      const afterArticles = afterRelease.filter((s) => s.group === 'articles');
      const firstArticle = samples.find(
        (s) => s.group === 'articles' && s.startedAt >= releasedAt && s.outcome === '200',
      );
      const bad = samples.filter((s) => s.outcome === '500' || s.outcome === 'hung');

      console.log(
        `stuck-lock: ${articleReaders} clients read articles, ${OTHER_CLIENTS} read tags and profiles, ` +
          `while another session holds ACCESS EXCLUSIVE on articles for ${holdSeconds} s`,
      );
      console.log(
        `  tags/profiles alone    ${before.length}: ${tally(before)}; p99 ${p99(before).toFixed(1)} ms`,
      );
      console.log(
        `  tags/profiles locked   ${lockedOthers.length}: ${tally(lockedOthers)}; p99 ${p99(lockedOthers).toFixed(1)} ms`,
      );
      console.log(
        `  articles locked        ${lockedArticles.length}: ${tally(lockedArticles)}; p99 ${p99(lockedArticles).toFixed(0)} ms, slowest ${slowest(lockedArticles).toFixed(0)} ms`,
      );
      console.log(`  /readyz locked         ${tally(lockedReadyz)}`);
      console.log(
        `  first article 200      ${firstArticle === undefined ? 'never' : `${(firstArticle.startedAt + firstArticle.ms - releasedAt).toFixed(0)} ms after the release`}`,
      );
      console.log(
        `  from 1 s after release tags/profiles/readyz ${tally(afterOthers)}; articles ${tally(afterArticles)}`,
      );
      const allOk = (list: typeof samples) => list.length > 0 && list.every((s) => s.outcome === '200');
      return report('stuck-lock', [
        [
          allOk(lockedOthers) && p99(lockedOthers) <= 2 * p99(before),
          `tags and profiles kept answering 200 (${lockedOthers.length}), p99 ${p99(lockedOthers).toFixed(1)} ms ≤ 2 × ${p99(before).toFixed(1)} ms unloaded`,
        ],
        [
          lockedArticles.length > 0 &&
            lockedArticles.every((s) => s.outcome === '503' && s.retryAfter) &&
            slowest(lockedArticles) <= DEADLINE_MS + ANSWER_MS,
          `article reads answered 503 with Retry-After (${lockedArticles.length}), slowest ${slowest(lockedArticles).toFixed(0)} ms ≤ the ${DEADLINE_MS} ms deadline + ${ANSWER_MS} ms`,
        ],
        [allOk(lockedReadyz), `/readyz said ready while the database answered (${tally(lockedReadyz)})`],
        [
          allOk(afterOthers) &&
            afterArticles.every((s) => s.outcome === '200' || (s.outcome === '503' && s.retryAfter)) &&
            firstArticle !== undefined &&
            firstArticle.startedAt + firstArticle.ms - releasedAt <= 1_000,
          'articles 200 again within 1 s of the release (past their share: 503 with Retry-After), the rest 200',
        ],
        [bad.length === 0, `${bad.length} answers 500 or hung`],
      ]);
    } finally {
      await Promise.all([background.stop(), readers?.stop()]);
      await server.stop();
    }
  } finally {
    await blocker.end().catch(() => {});
    await database.drop();
  }
}
