// The seeded dataset: sizes, and a deterministic generator of its rows, in chunks (their text: texts.ts).
// Same size → same rows, so a benchmark run on one machine can be repeated on another.
import { about, bioOf, pick, prng, type Random, seriesOf, skewed, textsOf } from './texts.ts';

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

type Counters = {
  links: number;
  userArticles: Int32Array;
  userFavorites: Int32Array;
  articleFavorites: Int32Array;
  tagArticles: Int32Array;
};

/**
 * What the counter columns (kept by triggers in the running app) must hold, counted by drawing the rows once
 * ahead, indexed by id: so the loaded rows carry their counters and nothing is updated after the load (a
 * million articles updated would leave a million dead rows for VACUUM).
 */
function countersOf(size: SeedSize): Counters {
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

/** The users' rows, their counters included; each has a random stream of its own (1). */
function userRows(size: SeedSize, counters: Counters) {
  const random = prng(1);
  return range(size.users, (i) => {
    const username = usernameOf(i + 1);
    const at = timeAt(i, size.users);
    const bio = bioOf(random, i);
    const counts = [counters.userArticles[i + 1]!, counters.userFavorites[i + 1]!];
    return [i + 1, username, `${username}@example.com`, SEED_PASSWORD_HASH, bio, null, ...counts, at, at];
  });
}

/**
 * The articles' rows: a title, description and body about the article's first tag, in English or (one in
 * KOREAN_EVERY) in Korean, and the series its last line names.
 */
function articleRows(size: SeedSize, counters: Counters) {
  return range(size.articles, (i) => {
    const id = i + 1;
    const { random, authorId, topic, texts, title, slug } = articleHead(id, size);
    const description = about(pick(random, texts.descriptions), topic);
    const first = about(pick(random, texts.paragraphs), topic);
    const second = about(pick(random, texts.paragraphs), topic);
    const third = about(pick(random, texts.paragraphs), topic);
    const body = `${first}\n\n${second}\n\n${third}\n\n${texts.seriesLines[seriesOf(random)]}`;
    const at = timeAt(i, size.articles);
    return [id, `${slug}-${id}`, title, description, body, authorId, counters.articleFavorites[id]!, at, at];
  });
}

/** An article's draw, its topic (its first tag), its language's texts, its title and its slug (less the id). */
function articleHead(id: number, size: SeedSize) {
  const draw = articleDraw(id, size);
  const topic = tagNameOf(draw.tagIds[0]!);
  const texts = textsOf(id);
  const at = Math.floor(draw.random() * texts.titles.length);
  return {
    ...draw,
    topic,
    texts,
    title: about(texts.titles[at]!, topic),
    slug: about(texts.slugs[at]!, topic),
  };
}

/** The title the seed gives article 1: a database whose article 1 has another holds another seed's text. */
export const firstSeededTitle = (size: SeedSize): string => articleHead(1, size).title;

/** The comments' rows, on random articles by random users (random stream 3). */
function commentRows(size: SeedSize) {
  const random = prng(3);
  return range(size.comments, (i) => {
    const articleId = 1 + Math.floor(random() * size.articles);
    // Comments follow their article, within the day (every seeded time stays before DATASET_END).
    const at = new Date(
      Date.parse(timeAt(articleId - 1, size.articles)) + (i % 1_440) * 60_000,
    ).toISOString();
    const comments = textsOf(articleId).comments;
    return [i + 1, pick(random, comments), articleId, 1 + Math.floor(random() * size.users), at, at];
  });
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
      chunks: () => inChunks(userRows(size, counters)),
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
      chunks: () => inChunks(articleRows(size, counters)),
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
      chunks: () => inChunks(commentRows(size)),
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
