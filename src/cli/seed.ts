// `gather seed [--size demo|bench|quick] [--replace] [--url URL]`: fills the configured database with
// generated content, or a running server through its API.
import { Option } from 'commander';
import { openData } from '../boot.ts';
import { CommandError } from '../command-error.ts';
import { loadConfig } from '../config.ts';
import { SEED_PASSWORD, SIZES, type SizeName, usernameOf } from '../seed/dataset.ts';
import { seedOverHttp } from '../seed/over-http.ts';
import { progressBar } from '../seed/progress.ts';
import { type SeedResult, seedDatabase } from '../seed/seed.ts';
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
        `demo: ${SIZES.demo.articles} readable articles; bench: ${SIZES.bench.articles.toLocaleString('en-US')} ` +
          'articles, as the benchmark uses; quick: a tenth of bench',
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

async function seed(options: SeedOptions): Promise<number> {
  const size = SIZES[options.size];
  let result: SeedResult;
  if (options.url !== undefined) {
    if (options.replace) {
      throw new CommandError('--replace empties the database itself; through --url nothing is deleted');
    }
    result = await seedOverHttp(options.url, size, progressBar());
  } else {
    const config = loadConfig();
    const database = await openData({ config, migrations: 'standard', holder: 'gather seed', poolMax: 1 });
    try {
      result = await seedDatabase(database, config.databaseUrl, {
        size,
        replace: options.replace === true,
        progress: progressBar(),
      });
    } finally {
      await database.close();
    }
  }
  const { users, articles, comments } = result.counts;
  console.log(
    `gather seed: ${result.status === 'reused' ? 'already seeded' : 'seeded'} (${users} users, ${articles} articles, ` +
      `${comments} comments) in ${(result.ms / 1000).toFixed(1)} s; log in as ${usernameOf(1)}@example.com / ${SEED_PASSWORD}`,
  );
  return EXIT.ok;
}
