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

/**
 * The large size's shape with `articles` articles: comments and favorites one per five articles; a board of
 * that size has many readers, so 100,000 users, who follow one author each on average (enough that a reader
 * can follow 10,000 authors and an author can have 99,999 followers: `npm run bench -- --scale`).
 */
export function largeShape(articles: number): SeedSize {
  const fifth = Math.round(articles / 5);
  return { users: 100_000, articles, tags: 1_000, comments: fifth, favorites: fifth, follows: 100_000 };
}

export const SIZES = {
  /** A few readable articles for a newcomer's embedded database. */
  demo: { users: 12, articles: 60, tags: 24, comments: 240, favorites: 150, follows: 40 },
  /** The benchmark dataset of issue 7. */
  bench: { users: 1_000, articles: 20_000, tags: 300, comments: 100_000, favorites: 50_000, follows: 5_000 },
  /** `gather bench http --quick`: the same shape, a tenth of the rows. */
  quick: { users: 100, articles: 2_000, tags: 60, comments: 10_000, favorites: 5_000, follows: 500 },
  /**
   * A large table to migrate under load (`npm run reliability -- migrate-live`): a million articles; fewer
   * comments and favorites per article than bench, which that scenario does not need. PostgreSQL only.
   */
  large: largeShape(1_000_000),
} as const satisfies Record<string, SeedSize>;

export type SizeName = keyof typeof SIZES;

/** Every seeded timestamp is before this instant; rows written later (by the API) are not seed rows. */
export const DATASET_END = new Date('2025-06-01T00:00:00.000Z');
const DATASET_START = new Date('2024-01-01T00:00:00.000Z');

/** The password of every seeded user (documented in the README: log in as any of them). */
export const SEED_PASSWORD = 'password123';
/**
 * Every seeded user's password_hash: SEED_PASSWORD hashed once, when this was written (scrypt, the parameters
 * and salt stored in it, as createPasswords().hash makes them). The password is public, so one shared salt
 * hides nothing, and a seed costs no hashing at all.
 */
export const SEED_PASSWORD_HASH =
  'scrypt$16384$8$1$aITx+IDSKfgDQnabsuqYQA==$YuOn2Pd/mYys9atb6f6FiBJq2rFwQmtPhLrL3kK1TQs=';

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

/**
 * Texts are picked from pools made once, not written word by word for every row: a million articles' bodies
 * would otherwise cost more time than loading them.
 */
const POOL = 1_024;
const textPool = (seed: number, text: (random: Random) => string) => {
  const random = prng(seed);
  return Array.from({ length: POOL }, () => text(random));
};
const DESCRIPTIONS = textPool(11, (random) => sentence(random, 12));
const BODY_PARAGRAPHS = textPool(12, (random) => paragraph(random, 4));
const COMMENT_BODIES = textPool(13, (random) => paragraph(random, 2));

/** Rows in chunks of ROWS_PER_CHUNK, drawn as they are consumed: no table is ever held whole. */
function* inChunks(rows: Iterable<Value[]>): Iterable<Value[][]> {
  let chunk: Value[][] = [];
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length === ROWS_PER_CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function* range<T>(count: number, row: (index: number) => T): Iterable<T> {
  for (let i = 0; i < count; i++) yield row(i);
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

/**
 * `count` rows (a, b, created_at) of unique (a, b) pairs, drawn as they are consumed (`draw` proposes a pair,
 * duplicates are drawn again); what is kept is one number per row so far, for the uniqueness check.
 */
function* uniquePairRows(count: number, draw: () => [number, number]): Iterable<Value[]> {
  const seen = new Set<number>();
  while (seen.size < count) {
    const [a, b] = draw();
    const key = a * 4_294_967_296 + b;
    if (seen.has(key)) continue;
    yield [a, b, timeAt(seen.size, count)];
    seen.add(key);
  }
}

/**
 * An article's own random stream, seeded by its id: its author and tags are drawn first, so article_tags
 * draws them again instead of keeping them for every article.
 */
function articleDraw(id: number, size: SeedSize): { random: Random; authorId: number; tagIds: number[] } {
  const random = prng(Math.imul(id, 0x9e3779b1) ^ 0x2545f491);
  const authorId = skewed(random, size.users);
  const wanted = 1 + Math.floor(random() * 5);
  const tagIds = new Set<number>();
  while (tagIds.size < Math.min(wanted, size.tags)) tagIds.add(skewed(random, size.tags));
  return { random, authorId, tagIds: [...tagIds] };
}

function* articleTagRows(size: SeedSize): Iterable<Value[]> {
  for (let id = 1; id <= size.articles; id++)
    for (const tagId of articleDraw(id, size).tagIds) yield [id, tagId];
}

// Favorites and follows lean on the first users, so ?favorited= and the feed have real pages.
function favoriteRows(size: SeedSize): Iterable<Value[]> {
  const random = prng(4);
  return uniquePairRows(size.favorites, () => [
    skewed(random, size.users),
    1 + Math.floor(random() * size.articles),
  ]);
}

function followRows(size: SeedSize): Iterable<Value[]> {
  const random = prng(5);
  return uniquePairRows(size.follows, () => {
    const follower = skewed(random, size.users);
    const followee = 1 + Math.floor(random() * size.users);
    return followee === follower ? [follower, (follower % size.users) + 1] : [follower, followee];
  });
}

/**
 * What the counter columns (kept by triggers in the running app) must hold, counted by drawing the rows once
 * ahead, indexed by id: so the loaded rows carry their counters and nothing is updated after the load (a
 * million articles updated would leave a million dead rows for VACUUM).
 */
function countersOf(size: SeedSize) {
  const counters = {
    links: 0,
    userArticles: new Int32Array(size.users + 1),
    userFavorites: new Int32Array(size.users + 1),
    articleFavorites: new Int32Array(size.articles + 1),
    tagArticles: new Int32Array(size.tags + 1),
  };
  for (let id = 1; id <= size.articles; id++) {
    const { authorId, tagIds } = articleDraw(id, size);
    counters.userArticles[authorId]! += 1;
    for (const tagId of tagIds) counters.tagArticles[tagId]! += 1;
    counters.links += tagIds.length;
  }
  for (const [userId, articleId] of favoriteRows(size)) {
    counters.userFavorites[userId as number]! += 1;
    counters.articleFavorites[articleId as number]! += 1;
  }
  return counters;
}

/**
 * The tables in load order (parents before children). Ids are 1..n. Every table draws from a random stream
 * of its own, started when its rows are asked for, and its rows are made chunk by chunk as the loader takes
 * them: a million articles never exist in memory at once.
 */
export function generate(size: SeedSize): TableLoad[] {
  const counters = countersOf(size);
  return [
    {
      table: 'users',
      columns: [
        'id',
        'username',
        'email',
        'password_hash',
        'bio',
        'image',
        'articles_count',
        'favorites_count',
        'created_at',
        'updated_at',
      ],
      rows: size.users,
      chunks: () => {
        const random = prng(1);
        return inChunks(
          range(size.users, (i) => {
            const username = usernameOf(i + 1);
            const at = timeAt(i, size.users);
            const bio = i % 3 === 2 ? null : sentence(random, 8);
            const counts = [counters.userArticles[i + 1]!, counters.userFavorites[i + 1]!];
            return [
              i + 1,
              username,
              `${username}@example.com`,
              SEED_PASSWORD_HASH,
              bio,
              null,
              ...counts,
              at,
              at,
            ];
          }),
        );
      },
    },
    {
      table: 'tags',
      columns: ['id', 'name', 'articles_count'],
      rows: size.tags,
      chunks: () =>
        inChunks(range(size.tags, (i) => [i + 1, tagNameOf(i + 1), counters.tagArticles[i + 1]!])),
    },
    {
      table: 'articles',
      columns: [
        'id',
        'slug',
        'title',
        'description',
        'body',
        'author_id',
        'favorites_count',
        'created_at',
        'updated_at',
      ],
      rows: size.articles,
      chunks: () =>
        inChunks(
          range(size.articles, (i) => {
            const { random, authorId, tagIds } = articleDraw(i + 1, size);
            const [verb, noun, tag] = [pick(random, VERBS), pick(random, NOUNS), tagNameOf(tagIds[0]!)];
            const title = `${verb} ${noun} in ${tag}`;
            // The words are lower-case letters and tags [a-z0-9-]: the slug without a regular expression.
            const slug = `${verb.toLowerCase()}-${noun}-in-${tag}-${i + 1}`;
            const at = timeAt(i, size.articles);
            const body = `${pick(random, BODY_PARAGRAPHS)}\n\n${pick(random, BODY_PARAGRAPHS)}\n\n${pick(random, BODY_PARAGRAPHS)}`;
            const favorites = counters.articleFavorites[i + 1]!;
            return [i + 1, slug, title, pick(random, DESCRIPTIONS), body, authorId, favorites, at, at];
          }),
        ),
    },
    {
      table: 'article_tags',
      columns: ['article_id', 'tag_id'],
      rows: counters.links,
      chunks: () => inChunks(articleTagRows(size)),
    },
    {
      table: 'comments',
      columns: ['id', 'body', 'article_id', 'author_id', 'created_at', 'updated_at'],
      rows: size.comments,
      chunks: () => {
        const random = prng(3);
        return inChunks(
          range(size.comments, (i) => {
            const articleId = 1 + Math.floor(random() * size.articles);
            // Comments follow their article, within the day (every seeded time stays before DATASET_END).
            const at = new Date(
              Date.parse(timeAt(articleId - 1, size.articles)) + (i % 1_440) * 60_000,
            ).toISOString();
            return [
              i + 1,
              pick(random, COMMENT_BODIES),
              articleId,
              1 + Math.floor(random() * size.users),
              at,
              at,
            ];
          }),
        );
      },
    },
    {
      table: 'favorites',
      columns: ['user_id', 'article_id', 'created_at'],
      rows: size.favorites,
      chunks: () => inChunks(favoriteRows(size)),
    },
    {
      table: 'follows',
      columns: ['follower_id', 'followee_id', 'created_at'],
      rows: size.follows,
      chunks: () => inChunks(followRows(size)),
    },
  ];
}
