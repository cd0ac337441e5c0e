// The seeded dataset: sizes, and a deterministic generator of its rows, in chunks.
// Same size → same rows, so a benchmark run on one machine can be repeated on another.

export type SeedSize = Readonly<{
  users: number;
  articles: number;
  tags: number;
  comments: number;
  favorites: number;
  follows: number;
}>;

export const SIZES = {
  /** A few readable articles for a newcomer's embedded database. */
  demo: { users: 12, articles: 60, tags: 24, comments: 240, favorites: 150, follows: 40 },
  /** The benchmark dataset of issue 7. */
  bench: { users: 1_000, articles: 20_000, tags: 300, comments: 100_000, favorites: 50_000, follows: 5_000 },
  /** `gather bench http --quick`: the same shape, a tenth of the rows. */
  quick: { users: 100, articles: 2_000, tags: 60, comments: 10_000, favorites: 5_000, follows: 500 },
} as const satisfies Record<string, SeedSize>;

export type SizeName = keyof typeof SIZES;

/** Every seeded timestamp is before this instant; rows written later (by the API) are not seed rows. */
export const DATASET_END = new Date('2025-06-01T00:00:00.000Z');
const DATASET_START = new Date('2024-01-01T00:00:00.000Z');

/** The password of every seeded user (documented in the README: log in as any of them). */
export const SEED_PASSWORD = 'password123';

export type SeedTable = 'users' | 'tags' | 'articles' | 'article_tags' | 'comments' | 'favorites' | 'follows';

export type Value = string | number | null;
/** One table's rows: its column list and a generator of chunks of rows (ROWS_PER_CHUNK each, at most). */
export type TableLoad = {
  table: SeedTable;
  columns: string[];
  rows: number;
  chunks: () => Iterable<Value[][]>;
};

/** 5,000 rows × 8 columns stays under PostgreSQL's 65,535 parameters per statement. */
const ROWS_PER_CHUNK = 5_000;

const FIRST =
  'ada alan barbara claude dennis edsger frances grace hedy ivan john katherine linus margaret niklaus radia'.split(
    ' ',
  );
const LAST =
  'lovelace turing liskov shannon ritchie dijkstra allen hopper lamarr sutherland backus johnson torvalds hamilton wirth perlman'.split(
    ' ',
  );
const TOPICS =
  'postgres typescript node fastify rust go python sql testing performance security design css html react vue svelte linux docker kubernetes git api http caching indexing queues logging tracing metrics graphs compilers parsing databases networking cloud devops architecture refactoring accessibility mobile ui ux hiring career writing teaching open-source licensing ethics privacy crypto math algorithms data-structures concurrency async streams memory gc benchmarks migrations orm json'.split(
    ' ',
  );
const VERBS =
  'Understanding Debugging Scaling Testing Rethinking Designing Measuring Shipping Teaching Simplifying'.split(
    ' ',
  );
const NOUNS =
  'indexes queries caches pipelines services schemas migrations latency deadlines teams errors contracts'.split(
    ' ',
  );
const WORDS =
  'the a of and to in is it that for on with as at by this we you from our an be are not but can will more when how why what each one all'.split(
    ' ',
  );

/** mulberry32: a small, fast, seedable PRNG (Math.random cannot be seeded). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = ReturnType<typeof prng>;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
/** 1..n, skewed towards 1 (popular tags, prolific authors): the square of a uniform draw. */
const skewed = (random: Random, n: number): number => 1 + Math.floor(random() * random() * n);

function sentence(random: Random, words: number): string {
  const text = Array.from({ length: words }, () => pick(random, WORDS)).join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: Random, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(random, 6 + Math.floor(random() * 10))).join(' ');
}

function* inChunks(count: number, row: (index: number) => Value[]): Iterable<Value[][]> {
  for (let start = 0; start < count; start += ROWS_PER_CHUNK) {
    const rows: Value[][] = [];
    for (let i = start; i < Math.min(count, start + ROWS_PER_CHUNK); i++) rows.push(row(i));
    yield rows;
  }
}

/** Timestamps spread evenly over the dataset's time span, increasing with the id. */
function timeAt(index: number, count: number): string {
  const span = DATASET_END.getTime() - DATASET_START.getTime() - 86_400_000;
  return new Date(DATASET_START.getTime() + Math.floor((span * index) / count)).toISOString();
}

export const usernameOf = (id: number): string =>
  `${FIRST[(id - 1) % FIRST.length]}_${LAST[Math.floor((id - 1) / FIRST.length) % LAST.length]}${id}`;

export const tagNameOf = (id: number): string =>
  id <= TOPICS.length
    ? TOPICS[id - 1]!
    : `${TOPICS[(id - 1) % TOPICS.length]}-${Math.ceil(id / TOPICS.length)}`;

/** Unique (a, b) pairs of ids; `draw` proposes a pair, duplicates are drawn again. */
function uniquePairs(count: number, draw: () => [number, number]): [number, number][] {
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  while (pairs.length < count) {
    const [a, b] = draw();
    const key = a * 4_294_967_296 + b;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push([a, b]);
  }
  return pairs;
}

/** The tables in load order (parents before children), with their rows. Ids are 1..n. */
export function generate(size: SeedSize, passwordHash: string): TableLoad[] {
  const random = prng(7);
  const articleAuthor = Array.from({ length: size.articles }, () => skewed(random, size.users));
  const articleTags = Array.from({ length: size.articles }, () => {
    const wanted = 1 + Math.floor(random() * 5);
    const ids = new Set<number>();
    while (ids.size < Math.min(wanted, size.tags)) ids.add(skewed(random, size.tags));
    return [...ids];
  });
  const linkCount = articleTags.reduce((sum, ids) => sum + ids.length, 0);
  const links = articleTags.flatMap((ids, index) => ids.map((tagId) => [index + 1, tagId] as const));
  // Favorites and follows lean on the first users, so ?favorited= and the feed have real pages.
  const favorites = uniquePairs(size.favorites, () => [
    skewed(random, size.users),
    1 + Math.floor(random() * size.articles),
  ]);
  const follows = uniquePairs(size.follows, () => {
    const follower = skewed(random, size.users);
    const followee = 1 + Math.floor(random() * size.users);
    return followee === follower ? [follower, (follower % size.users) + 1] : [follower, followee];
  });
  const titles = Array.from(
    { length: size.articles },
    (_, i) => `${pick(random, VERBS)} ${pick(random, NOUNS)} in ${tagNameOf(articleTags[i]![0]!)}`,
  );

  return [
    {
      table: 'users',
      columns: ['id', 'username', 'email', 'password_hash', 'bio', 'image', 'created_at', 'updated_at'],
      rows: size.users,
      chunks: () =>
        inChunks(size.users, (i) => {
          const username = usernameOf(i + 1);
          const at = timeAt(i, size.users);
          const bio = i % 3 === 2 ? null : `${sentence(random, 8)}`;
          return [i + 1, username, `${username}@example.com`, passwordHash, bio, null, at, at];
        }),
    },
    {
      table: 'tags',
      columns: ['id', 'name'],
      rows: size.tags,
      chunks: () => inChunks(size.tags, (i) => [i + 1, tagNameOf(i + 1)]),
    },
    {
      table: 'articles',
      columns: ['id', 'slug', 'title', 'description', 'body', 'author_id', 'created_at', 'updated_at'],
      rows: size.articles,
      chunks: () =>
        inChunks(size.articles, (i) => {
          const title = titles[i]!;
          const slug = `${title.toLowerCase().replaceAll(/[^a-z0-9]+/g, '-')}-${i + 1}`;
          const at = timeAt(i, size.articles);
          const body = Array.from({ length: 3 }, () => paragraph(random, 4)).join('\n\n');
          return [i + 1, slug, title, sentence(random, 12), body, articleAuthor[i]!, at, at];
        }),
    },
    {
      table: 'article_tags',
      columns: ['article_id', 'tag_id'],
      rows: linkCount,
      chunks: () => inChunks(linkCount, (i) => [...links[i]!]),
    },
    {
      table: 'comments',
      columns: ['id', 'body', 'article_id', 'author_id', 'created_at', 'updated_at'],
      rows: size.comments,
      chunks: () =>
        inChunks(size.comments, (i) => {
          const articleId = 1 + Math.floor(random() * size.articles);
          // Comments follow their article, within the day (every seeded time stays before DATASET_END).
          const at = new Date(
            Date.parse(timeAt(articleId - 1, size.articles)) + (i % 1_440) * 60_000,
          ).toISOString();
          return [i + 1, paragraph(random, 2), articleId, 1 + Math.floor(random() * size.users), at, at];
        }),
    },
    {
      table: 'favorites',
      columns: ['user_id', 'article_id', 'created_at'],
      rows: size.favorites,
      chunks: () => inChunks(size.favorites, (i) => [...favorites[i]!, timeAt(i, size.favorites)]),
    },
    {
      table: 'follows',
      columns: ['follower_id', 'followee_id', 'created_at'],
      rows: size.follows,
      chunks: () => inChunks(size.follows, (i) => [...follows[i]!, timeAt(i, size.follows)]),
    },
  ];
}
