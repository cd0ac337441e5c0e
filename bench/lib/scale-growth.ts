// The extra cases of `npm run bench -- --scale` that grow the big dataset where one user's share of it grows:
// readers following more authors, more tags in use, an author with every other user as follower; and
// create article on both datasets. The rows they add (bench/lib/scale-data.ts) are removed when they end.
import { groupDigits } from '../../src/digits.ts';
import { caseOf, compare, type ExtraCase, emptyOutcome, loginAs } from './scale-context.ts';
import {
  addTags,
  follow,
  followedByAll,
  readersFollowingNobody,
  removeAddedFollows,
  removeAddedTags,
  unfollowedUser,
} from './scale-data.ts';
import { ratioCheck, ratioText, SCALE_TARGETS } from './scale-report.ts';

const CONNECTIONS = 16;
/** Writes at Gather's MAX_REQUESTS_IN_FLIGHT (64 by default), as the main benchmark loads them. */
const WRITE_CONNECTIONS = 64;
/** The author every other user follows: a seeded user who writes (the seed skews authorship to low ids). */
const POPULAR_AUTHOR = 2;

export const feedReaders: ExtraCase = {
  name: 'feed readers',
  sql: true,
  async run({ big, plan }) {
    const outcome = emptyOutcome();
    const url = big.data.postgresUrl!;
    const readers = await readersFollowingNobody(url, big.size, plan.followees.length);
    try {
      const contenders = [];
      for (const [i, reader] of readers.entries()) {
        await follow(url, big.size, reader, plan.followees[i]!);
        const token = await loginAs(big, reader);
        const request = { method: 'GET' as const, path: '/api/articles/feed?limit=20', token };
        const label = `reader following ${groupDigits(plan.followees[i]!)}`;
        contenders.push({ side: big, label, request, connections: CONNECTIONS });
      }
      const [few, ...many] = await compare(outcome, this.name, plan, contenders);
      for (const [i, load] of many.entries()) {
        const text = `feed of a ${contenders[i + 1]!.label} on big`;
        const base = `a ${contenders[0]!.label}`;
        outcome.targets.push(ratioCheck(text, load.rps, base, few!.rps, SCALE_TARGETS.feedRatio));
      }
    } finally {
      await removeAddedFollows(url);
    }
    return outcome;
  },
};

export const manyTags: ExtraCase = {
  name: 'many tags',
  sql: true,
  async run({ small, big, plan, reads }) {
    const outcome = emptyOutcome();
    const url = big.data.postgresUrl!;
    try {
      const inUse = await addTags(url, big.size, plan.tagsInUse - big.size.tags);
      const [onSmall, onBig] = await compare(outcome, this.name, plan, [
        {
          side: small,
          label: `${groupDigits(small.size.tags)} tags`,
          request: caseOf(small, 'tags'),
          connections: CONNECTIONS,
        },
        {
          side: big,
          label: `${groupDigits(inUse)} tags in use`,
          request: caseOf(big, 'tags'),
          connections: CONNECTIONS,
        },
      ]);
      // Big as seeded is the read table's tags row (measured there, beside small).
      const seeded = reads.find((r) => r.name === 'tags' && r.connections === CONNECTIONS)?.big;
      if (seeded !== undefined) {
        const { rps, p50_ms, p99_ms, cpu_us, non2xx } = seeded;
        const label = `${groupDigits(big.size.tags)} tags as seeded (the read table's row)`;
        const row = { case: this.name, dataset: big.name, request: label, connections: CONNECTIONS };
        outcome.rows.splice(1, 0, {
          ...row,
          rps,
          p50_ms,
          p99_ms,
          cpu_us,
          errors: non2xx,
          errors_in_target: false,
        });
      }
      const text = `GET /api/tags with ${groupDigits(inUse)} tags in use on big`;
      const base = `${groupDigits(small.size.tags)} tags on small`;
      outcome.targets.push(ratioCheck(text, onBig!.rps, base, onSmall!.rps, SCALE_TARGETS.tagsRatio));
    } finally {
      await removeAddedTags(url, big.size);
    }
    return outcome;
  },
};

export const createArticle: ExtraCase = {
  name: 'create article',
  sql: false,
  async run({ small, big, plan }) {
    const outcome = emptyOutcome();
    const [onSmall, onBig] = await compare(
      outcome,
      this.name,
      plan,
      [small, big].map((side) => ({
        side,
        label: 'as the writer',
        request: caseOf(side, 'create article'),
        connections: WRITE_CONNECTIONS,
      })),
    );
    outcome.notes.push(
      `create article @${WRITE_CONNECTIONS}: ${onBig!.rps.toFixed(0)} req/s on big = ` +
        `${ratioText(onBig!.rps, onSmall!.rps)} × small (${onSmall!.rps.toFixed(0)}); writes: no target`,
    );
    return outcome;
  },
};

/** What writing costs an author everyone follows (fan-out on write would pay per follower), beside one nobody follows. */
export const popularAuthor: ExtraCase = {
  name: 'popular author',
  sql: true,
  async run({ big, plan }) {
    const outcome = emptyOutcome();
    const url = big.data.postgresUrl!;
    const write = caseOf(big, 'create article');
    try {
      const followers = await followedByAll(url, POPULAR_AUTHOR);
      const quiet = await unfollowedUser(url, big.size, POPULAR_AUTHOR);
      const [popular, unknown] = await compare(outcome, this.name, plan, [
        {
          side: big,
          label: `create article, ${groupDigits(followers)} followers`,
          request: { ...write, token: await loginAs(big, POPULAR_AUTHOR) },
          connections: CONNECTIONS,
        },
        {
          side: big,
          label: 'create article, no followers',
          request: { ...write, token: await loginAs(big, quiet) },
          connections: CONNECTIONS,
        },
      ]);
      outcome.notes.push(
        `create article @${CONNECTIONS} on big by an author with ${groupDigits(followers)} followers: ` +
          `${popular!.rps.toFixed(0)} req/s, p99 ${popular!.p99Ms.toFixed(0)} ms; by one with none: ` +
          `${unknown!.rps.toFixed(0)} req/s, p99 ${unknown!.p99Ms.toFixed(0)} ms ` +
          `(${ratioText(popular!.rps, unknown!.rps)} ×); no target`,
      );
    } finally {
      await removeAddedFollows(url);
    }
    return outcome;
  },
};
