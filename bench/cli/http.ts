// `gather bench http` (`npm run bench`): its options and help. bench/http.ts, loaded when it runs, runs it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import type { Cli, GatherCommand } from '../../src/cli/program.ts';
import { groupDigits } from '../../src/digits.ts';
import { SIZES } from '../../src/seed/dataset.ts';
import { numberAtLeast, positiveIntegers } from '../../tools/option-values.ts';
import { MODES } from '../lib/http-modes.ts';
import { MAX_TAGS_P99_RATIO } from '../lib/pglite-report.ts';
import { DEFAULT_DATABASE_URL } from '../lib/postgres-server.ts';
import { SCALE_TARGETS } from '../lib/scale-report.ts';

type HttpCommandOptions = {
  quick?: true;
  smoke?: true;
  pglite?: true;
  replica?: true;
  pgliteVsPostgres?: true;
  scale?: true;
  seconds?: number;
  connections?: number[];
  case?: string;
};

/** The module that runs the mode the options choose, loaded only then. */
function modeModule(options: HttpCommandOptions) {
  if (options.replica) return import('../http-replica.ts');
  if (options.pgliteVsPostgres) return import('../http-pglite.ts');
  if (options.scale) return import('../http-scale.ts');
  return import('../http.ts');
}

export function registerHttp(bench: GatherCommand, { finish }: Cli): void {
  bench
    .command('http')
    .description('HTTP load on a seeded dataset, against a hand-written floor')
    .option(
      '--quick',
      `a tenth of the rows, ${MODES.quick.seconds} s per case; writes bench/results/<date>-quick.md + latest-quick.json`,
    )
    .addOption(
      new Option(
        '--smoke',
        `CI: demo rows, ${MODES.smoke.seconds} s per case at ${MODES.smoke.connections.join('/')} connections, no ` +
          'floor; fails only on non-2xx or on round trips that grow with the page size or exceed 3 per read',
      ).conflicts('quick'),
    )
    .option(
      '--pglite',
      `the embedded database (in ${join(tmpdir(), 'gather-bench-<size>')}) instead of PostgreSQL; no floor`,
    )
    .addOption(
      new Option(
        '--replica',
        'the list and article reads on a private primary alone vs with a streaming replica ' +
          '(DATABASE_REPLICA_URLS), at the highest connection count; see below',
      ).conflicts('pglite'),
    )
    .addOption(
      new Option(
        '--pglite-vs-postgres',
        'every read case on Gather on PGlite beside Gather on PostgreSQL, in one run, with the ratios ' +
          'checked; see below',
      ).conflicts(['pglite', 'replica']),
    )
    .addOption(
      new Option(
        '--scale',
        'every read case on a small and a big dataset in one run, with the ratios big ÷ small checked, and ' +
          'cases where the data grows (deep pages, feeds, tags, followers); see below',
      ).conflicts(['quick', 'replica', 'pgliteVsPostgres']),
    )
    .option('--seconds <s>', 'time per case and connection count (default: as above)', numberAtLeast(1))
    .option(
      '--connections <list>',
      `comma-separated connection counts (default ${MODES.full.connections.join(',')}; the floor runs at the highest)`,
      positiveIntegers,
    )
    .option('--case <text>', 'only the cases whose name contains TEXT')
    .addHelpText(
      'after',
      `
Seeds a dataset (reused when its row counts match), counts each case's database round trips with the
query recorder, then runs autocannon (its own process) for S seconds per case and connection count
against \`gather serve\` compiled first (\`npm run build\`, then dist/cli/index.js as \`npm run start:dist\` runs it;
NODE_ENV=production). For the article lists and article-by-slug at the highest
connection count, Gather and the hand-written floor alternate (5 runs each of S/2 s; medians compared).
Prints the table, the Gather/floor ratios and PASS/FAIL per target; exits 1 when a target fails.
Without --quick or --smoke: ${groupDigits(SIZES.bench.articles)} articles, ${MODES.full.seconds} s per case, ${MODES.full.connections.join('/')} connections;
writes bench/results/<date>.md + latest.json.
(With --seconds, --connections or --case the results files are left as they are.)
PostgreSQL: DATABASE_URL (default ${DEFAULT_DATABASE_URL}), in a schema of its own (gather_bench_<size>).
Both servers get DB_POOL_MAX connections (default 10).
With --replica: a private primary and a streaming replica (initdb, pg_basebackup; free ports, a temporary
folder, removed after), the same dataset seeded on the primary and replayed by the replica; then Gather
without a replica and Gather with DATABASE_REPLICA_URLS alternate (3 runs each of S/2 s; medians) on the list
and article reads. Prints req/s, p50, p99, Gather's CPU µs per request, the read round trips per request
each server served (Gather's /metrics), the replica's share of reads and each PostgreSQL server's CPU µs per
request; exits 1 on a non-2xx or when the replica serves under 80 % of reads. Without --quick or --smoke,
writes bench/results/<date>-replica.md + latest-replica.json.
With --pglite-vs-postgres: the same dataset seeded on PostgreSQL (as above) and in the --pglite folder, Gather
started on each; for every read case at each connection count, the two alternate (3 runs each of S/2 s;
medians). Prints both databases' req/s, p50, p99, CPU µs per request and RSS, and PGlite req/s ÷ PostgreSQL
req/s beside its target (docs/performance.md); then GET /api/tags p99 from one connection, alone and during
a list articles load, on each. Exits 1 on a non-2xx, or (not with --smoke) when a ratio at the highest
connection count is under its target or PGlite's tags p99 during the list load is over ${MAX_TAGS_P99_RATIO} × its p99 alone.
Without --quick or --smoke, writes bench/results/<date>-pglite-vs-postgres.md + latest-pglite-vs-postgres.json.
With --scale: two datasets seeded (as above), small (${groupDigits(SIZES.bench.articles)} articles) and big (the large size:
${groupDigits(SIZES.large.articles)} articles, ${groupDigits(SIZES.large.users)} users), Gather started on each; every read case at 16 connections on the two
alternately (3 runs each of S/2 s; medians), big req/s ÷ small req/s checked (≥ ${SCALE_TARGETS.readRatio} but for profile). Then the
extra cases, each line with its target: list page 51 ≥ ${SCALE_TARGETS.deepPageRatio} × page 1; the middle page answered (p99 ≤
${groupDigits(SCALE_TARGETS.middlePageP99Ms)} ms) or refused with a RealWorld error, never a 5xx or a timeout; page 1 during a load of the middle page
≥ ${SCALE_TARGETS.isolationRatio} × alone, no 5xx; feeds of readers following 1,000 and 10,000 authors ≥ ${SCALE_TARGETS.feedRatio} × one following 5;
GET /api/tags with 100,000 tags in use ≥ ${SCALE_TARGETS.tagsRatio} × with 300; create article on both, and by an author every
other user follows (no target). The rows these add by SQL are removed after each case (and by the next
run's trim). Exits 1 on an error (a non-2xx; the middle page's 5xx fail its own target), or (not with
--smoke) when a target fails; writes bench/results/<date>-scale.md + latest-scale.json (with --pglite,
-pglite-scale). --scale --pglite: PGlite, ${groupDigits(SIZES.quick.articles)} beside ${groupDigits(SIZES.bench.articles)} articles; the cases that grow the data by
SQL say SKIP. --scale --smoke (CI): PostgreSQL, ${groupDigits(SIZES.quick.articles)} beside ${groupDigits(SIZES.bench.articles)} articles, 1 s runs, one round; only
errors fail it.`,
    )
    .action(async (options: HttpCommandOptions) => {
      const { run } = await modeModule(options);
      finish(
        await run({
          mode: options.smoke ? 'smoke' : options.quick ? 'quick' : 'full',
          pglite: options.pglite === true,
          seconds: options.seconds,
          connections: options.connections,
          case: options.case,
        }),
      );
    });
}
