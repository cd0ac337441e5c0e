// The extra cases of `npm run bench -- --scale` about deep pages of the article list: page 51 against page 1,
// the middle page (answered in time, or refused with a RealWorld error; never a 5xx or a timeout), and page 1
// while another load reads the middle page of the same server.
import { setTimeout as sleep } from 'node:timers/promises';
import { groupDigits } from '../../src/digits.ts';
import { type LoadResult, runLoad } from '../../tools/harness/load.ts';
import { alternatingRuns, medianLoad } from '../http.ts';
import { compare, type ExtraCase, emptyOutcome, extraRow, type ScaleSide } from './scale-context.ts';
import {
  addCounts,
  isolationCheck,
  middlePageCheck,
  ratioCheck,
  realWorldErrors,
  SCALE_TARGETS,
  type StatusCounts,
  statusCounts,
} from './scale-report.ts';

const CONNECTIONS = 16;
/** A load process takes a moment to start: the deep load starts this long before page 1's, ends this long after. */
const LEAD_SECONDS = 1;
const PAGE_51_OFFSET = 1_000;
/**
 * When a load of the middle page stops, Gather still works on the requests it had taken: each ends within
 * REQUEST_TIMEOUT_MS and DB_STATEMENT_TIMEOUT_MS (2 s each by default). The next load waits them out, so
 * that it starts on an idle server.
 */
const SETTLE_MS = 4_000;
/** The middle page's one run lasts at least this: long enough to see Gather's answers at its 2 s deadline. */
const MIDDLE_PAGE_SECONDS = 5;

const listPage = (offset: number) => ({
  method: 'GET' as const,
  path: `/api/articles?limit=20&offset=${offset}`,
});
const middleOffset = (side: ScaleSide) => Math.floor(side.size.articles / 2);
const middleLabel = (side: ScaleSide) => `middle page (offset ${groupDigits(middleOffset(side))})`;

/** The errors of a load that may be refused: its 5xx, socket errors and timeouts. */
const failures = (counts: StatusCounts) => counts.failed + counts.unanswered;

export const listPage51: ExtraCase = {
  name: 'list page 51',
  sql: false,
  async run({ small, big, plan }) {
    const outcome = emptyOutcome();
    for (const side of [small, big]) {
      const [first, deep] = await compare(outcome, this.name, plan, [
        { side, label: 'page 1', request: listPage(0), connections: CONNECTIONS },
        {
          side,
          label: `page 51 (offset ${groupDigits(PAGE_51_OFFSET)})`,
          request: listPage(PAGE_51_OFFSET),
          connections: CONNECTIONS,
        },
      ]);
      outcome.targets.push(
        ratioCheck(
          `list page 51 on ${side.name}`,
          deep!.rps,
          'page 1',
          first!.rps,
          SCALE_TARGETS.deepPageRatio,
        ),
      );
    }
    return outcome;
  },
};

/** One response of `path`, before the load: a refusal's body says whether it is RealWorld's error. */
async function refusalOf(side: ScaleSide, path: string): Promise<string | undefined> {
  const response = await fetch(`${side.gather.url}${path}`);
  const body = await response.text();
  return response.status >= 400 && response.status < 500 ? realWorldErrors(body) : undefined;
}

export const middlePage: ExtraCase = {
  name: 'middle page',
  sql: false,
  async run({ small, big, plan }) {
    const outcome = emptyOutcome();
    for (const side of [small, big]) {
      const request = listPage(middleOffset(side));
      const refusal = await refusalOf(side, request.path);
      const seconds = Math.max(plan.seconds, MIDDLE_PAGE_SECONDS);
      const load = await runLoad(side.gather, request, CONNECTIONS, seconds);
      await sleep(SETTLE_MS);
      const counts = statusCounts(load.byStatus, load.non2xx);
      outcome.rows.push(
        extraRow(this.name, side, middleLabel(side), CONNECTIONS, load, failures(counts), true),
      );
      outcome.targets.push(
        middlePageCheck(`${middleLabel(side)} on ${side.name}`, counts, load.p99Ms, refusal),
      );
      process.stderr.write(
        `  ${this.name} on ${side.name}: ${counts.ok} 2xx, ${counts.refused} 4xx, ${counts.failed} 5xx\n`,
      );
    }
    return outcome;
  },
};

type IsolationRun = Readonly<{ first: LoadResult; deep?: LoadResult }>;

/**
 * Page 1 alone, and during a load of the middle page (two load processes at once), alternating. The two
 * loads together keep to 2 × 16 connections, under MAX_REQUESTS_IN_FLIGHT (64 by default).
 */
export const deepPageIsolation: ExtraCase = {
  name: 'deep-page isolation',
  sql: false,
  async run({ big, plan }) {
    const outcome = emptyOutcome();
    const [alone, during] = await alternatingRuns<IsolationRun>(
      plan.seconds,
      [
        async (s) => ({ first: await runLoad(big.gather, listPage(0), CONNECTIONS, s) }),
        async (s) => {
          const [deep, first] = await Promise.all([
            runLoad(big.gather, listPage(middleOffset(big)), CONNECTIONS, s + 2 * LEAD_SECONDS),
            sleep(LEAD_SECONDS * 1000).then(() => runLoad(big.gather, listPage(0), CONNECTIONS, s)),
          ]);
          await sleep(SETTLE_MS);
          return { first, deep };
        },
      ],
      plan.rounds,
    );
    const firstAlone = medianLoad(alone!.map((r) => r.first));
    const firstDuring = medianLoad(during!.map((r) => r.first));
    const deepDuring = medianLoad(during!.map((r) => r.deep!));
    const deepCounts = during!.map((r) => statusCounts(r.deep!.byStatus, r.deep!.non2xx)).reduce(addCounts);
    // Two loads share the server while the middle page is read: its CPU time cannot be split between them.
    const deepFailures = failures(deepCounts);
    outcome.rows.push(
      extraRow(this.name, big, 'page 1 alone', CONNECTIONS, firstAlone),
      {
        ...extraRow(this.name, big, 'page 1 beside', CONNECTIONS, firstDuring, firstDuring.non2xx, true),
        cpu_us: null,
      },
      {
        ...extraRow(this.name, big, middleLabel(big), CONNECTIONS, deepDuring, deepFailures, true),
        cpu_us: null,
      },
    );
    const label = `page 1 on big beside the ${middleLabel(big)}`;
    outcome.targets.push(
      isolationCheck(label, firstDuring.rps, firstAlone.rps, firstDuring.non2xx + deepFailures),
    );
    process.stderr.write(
      `  ${this.name}: page 1 ${firstAlone.rps.toFixed(0)} req/s alone, ${firstDuring.rps.toFixed(0)} during\n`,
    );
    return outcome;
  },
};
