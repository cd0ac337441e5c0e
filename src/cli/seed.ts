// `gather seed [--size demo|bench|quick|large] [--replace] [--url URL]`: fills the configured database with
// generated content, or a running server through its API. Progress on stderr, then one summary line on
// stdout with the time the whole command took.
import { Option } from 'commander';
import { CommandError } from '../command-error.ts';
import { loadConfig } from '../config.ts';
import { groupDigits } from '../digits.ts';
import { SEED_PASSWORD, SIZES, type SizeName, usernameOf } from '../seed/dataset.ts';
import { seedOverHttp } from '../seed/over-http.ts';
import { progressBar } from '../seed/progress.ts';
import type { SeedResult } from '../seed/seed.ts';
import { type Cli, EXIT } from './program.ts';

type SeedOptions = { size: SizeName; replace?: boolean; url?: string };

export function registerSeed({ program, finish }: Cli): void {
  program
    .command('seed')
    .summary('fill the database with generated demo or benchmark content')
    .description(
      'Fills the database (DATABASE_URL, or the embedded one in GATHER_DATA_DIR) with generated users, ' +
        'articles, tags, comments, favorites and follows; with --url, a running server through its API. ' +
        'A database that already holds exactly this seed is left as it is.',
    )
    .addOption(
      new Option(
        '--size <size>',
        `demo: ${SIZES.demo.articles} readable articles; bench: ${groupDigits(SIZES.bench.articles)} ` +
          'articles, as the benchmark uses; quick: a tenth of bench; large: ' +
          `${groupDigits(SIZES.large.articles)} articles, PostgreSQL only`,
      )
        .choices(Object.keys(SIZES))
        .default('demo'),
    )
    .option('--replace', 'the database holds other data: delete every row first (refused without it)')
    .option(
      '--url <url>',
      'add the content to the server running at this URL, through its API (while `gather serve` holds the ' +
        'embedded database, this is the way to seed it)',
    )
    .action(async (options: SeedOptions) => finish(await seed(options)));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function seed(options: SeedOptions): Promise<number> {
  const size = SIZES[options.size];
  const progress = progressBar();
  let result: SeedResult;
  if (options.url !== undefined) {
    if (options.replace) {
      throw new CommandError('--replace empties the database itself; through --url nothing is deleted');
    }
    if (options.size === 'large') {
      throw new CommandError(
        '--size large is loaded by COPY into PostgreSQL, not through the API: drop --url',
      );
    }
    result = await seedOverHttp(options.url, size, progress);
  } else {
    const config = loadConfig();
    if (options.size === 'large' && config.databaseUrl === undefined) {
      throw new CommandError(
        '--size large needs PostgreSQL (set DATABASE_URL): the embedded database loads by INSERT, too slow for a million articles',
      );
    }
    const opening = performance.now();
    // Loaded here, not at the top: `gather --version` and `--help` need none of them.
    const [{ openData }, { seedDatabase }] = await Promise.all([
      import('../boot.ts'),
      import('../seed/seed.ts'),
    ]);
    const database = await openData({
      config,
      migrations: 'standard',
      holder: 'gather seed',
      poolMax: 1,
      // Said once the folder is ours: a refusal (the folder is held) stays one line.
      onOpening: () =>
        progress.step(
          'database',
          `opening PGlite (${config.gatherDataDir}); a new folder takes a few seconds`,
        ),
    });
    progress.step('database', `ready in ${seconds(performance.now() - opening)}`);
    try {
      result = await seedDatabase(database, config.databaseUrl, {
        size,
        replace: options.replace === true,
        progress,
      });
    } finally {
      await database.close();
    }
  }
  const { users, articles, comments } = result.counts;
  // performance.now() counts from the process's start: the time a user waited, start-up included.
  console.log(
    `gather seed: ${result.status === 'reused' ? 'already seeded' : 'seeded'} (${groupDigits(users)} users, ` +
      `${groupDigits(articles)} articles, ${groupDigits(comments)} comments) in ${seconds(performance.now())} ` +
      `(rows ${seconds(result.ms)}); log in as ${usernameOf(1)}@example.com / ${SEED_PASSWORD}`,
  );
  return EXIT.ok;
}
