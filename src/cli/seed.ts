// `gather seed [--size demo|bench] [--replace]`: fills the configured database with generated content.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { SEED_PASSWORD, SIZES, type SizeName, usernameOf } from '../seed/dataset.ts';
import { progressBar } from '../seed/progress.ts';
import { SeedError, seed } from '../seed/seed.ts';

const HELP = `Usage: gather seed [--size demo|bench|quick] [--replace]

Fills the database (DATABASE_URL, or the embedded one in GATHER_DATA_DIR) with generated users,
articles, tags, comments, favorites and follows. Applies pending migrations first.
  --size      demo (default: ${SIZES.demo.articles} readable articles), bench (${SIZES.bench.articles.toLocaleString('en-US')} articles, as the
              benchmark uses) or quick (a tenth of bench)
  --replace   the database holds other data: delete every row first (refused without it)
A database that already holds exactly this seed is left as it is.`;

export async function seedCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: 'demo' },
      replace: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!Object.hasOwn(SIZES, values.size)) {
    console.error(
      `gather seed: --size must be one of ${Object.keys(SIZES).join(', ')}, got "${values.size}"`,
    );
    return 2;
  }
  const config = loadConfig();
  const size = SIZES[values.size as SizeName];
  const result = await seed(
    { databaseUrl: config.databaseUrl, dataDir: config.dataDir },
    { size, replace: values.replace, progress: progressBar() },
  ).catch((error: unknown) => {
    if (error instanceof SeedError) return error;
    throw error;
  });
  if (result instanceof SeedError) {
    console.error(`gather seed: ${result.message}`);
    return 1;
  }
  const { users, articles, comments } = result.counts;
  console.log(
    `gather seed: ${result.status === 'reused' ? 'already seeded' : 'seeded'} (${users} users, ${articles} articles, ` +
      `${comments} comments) in ${(result.ms / 1000).toFixed(1)} s; log in as ${usernameOf(1)}@example.com / ${SEED_PASSWORD}`,
  );
  return 0;
}
