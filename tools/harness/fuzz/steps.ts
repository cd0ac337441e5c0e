// The stateful steps of the fuzzer's sequences, as fast-check generates them: a kind (register, update-user,
// create, update, delete, favorite, unfavorite, comment, delete-comment, follow, unfollow) and choices of
// where each value comes from, with numbers that pick from lists. The values themselves are drawn when the
// step runs, from what exists then (a snapshot): other users' usernames and emails and their case variants,
// the viewer's own values, titles that slugify to a taken slug, the slugs of deleted or renamed articles.
import fc from 'fast-check';
import type { Article, Snapshot, User } from './database.ts';

/** A username or email: a fresh one, the viewer's own, another user's, either in capitals, or a gone one. */
const VALUE_SOURCES = ['fresh', 'own', 'ownShouted', 'other', 'otherShouted', 'gone'] as const;
/** A title: from a vocabulary made to collide, the article's own, another article's (as it is, shouted, or
 * its slug as the title), or a gone article's. */
const TITLE_SOURCES = ['fresh', 'own', 'other', 'otherShouted', 'otherSlug', 'gone'] as const;
/** What a step acts on: the viewer's own, anyone's, a gone one, or a near miss (a slug or username in
 * capitals, a comment's id under another article). */
const TARGET_SOURCES = ['own', 'other', 'gone', 'nearMiss'] as const;
/** The steps that choose only what they act on, with their weights. */
const TARGETED = [
  ['deleteArticle', 3],
  ['favorite', 3],
  ['unfavorite', 2],
  ['comment', 3],
  ['deleteComment', 2],
  ['follow', 2],
  ['unfollow', 2],
] as const;

type ValueSource = (typeof VALUE_SOURCES)[number];
type TitleSource = (typeof TITLE_SOURCES)[number];
type TargetSource = (typeof TARGET_SOURCES)[number];

type Picks = Readonly<{ viewer: number; pick: number }>;
export type Step = Picks &
  (
    | { kind: 'register'; username: ValueSource; email: ValueSource }
    | {
        kind: 'updateUser';
        username?: ValueSource;
        email?: ValueSource;
        bio?: string | null;
        image?: string | null;
        password: boolean;
      }
    | { kind: 'createArticle'; title: TitleSource; tags: number[] }
    | { kind: 'updateArticle'; target: TargetSource; title?: TitleSource; description?: true; body?: true }
    | { kind: (typeof TARGETED)[number][0]; target: TargetSource }
  );
export type StepKind = Step['kind'];

const picks = { viewer: fc.nat(), pick: fc.nat() };
const valueSource = fc.constantFrom(...VALUE_SOURCES);
const titleSource = fc.constantFrom(...TITLE_SOURCES);
const target = fc.constantFrom(...TARGET_SOURCES);

/** Weighted toward the writes that can collide; registrations and new passwords are rarer (a scrypt hash). */
export const stateSteps: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      ...picks,
      kind: fc.constant('register'),
      username: valueSource,
      email: valueSource,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        ...picks,
        kind: fc.constant('updateUser'),
        username: valueSource,
        email: valueSource,
        bio: fc.constantFrom(null, '', 'a bio'),
        image: fc.constantFrom(null, '', 'https://example.com/a.png'),
        password: fc.nat(9).map((n) => n === 0),
      },
      { requiredKeys: ['viewer', 'pick', 'kind', 'password'] },
    ),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      ...picks,
      kind: fc.constant('createArticle'),
      title: titleSource,
      tags: fc.array(fc.nat(), { maxLength: 4 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record(
      {
        ...picks,
        kind: fc.constant('updateArticle'),
        target,
        title: titleSource,
        description: fc.constant(true),
        body: fc.constant(true),
      },
      { requiredKeys: ['viewer', 'pick', 'kind', 'target'] },
    ),
  },
  ...TARGETED.map(([kind, weight]) => ({
    weight,
    arbitrary: fc.record({ ...picks, kind: fc.constant(kind), target }),
  })),
);

// ---------------------------------------------------------------------------------------------------------
// The values, drawn from a snapshot

// Fresh titles, made to collide: four slugify to "hello-world", two to "café" (NFKC), two to "article", two
// share their first 80 characters (a slug's length), one looks like a suffixed slug.
const TITLES = [
  'Hello World',
  'hello-world',
  'HELLO, WORLD!',
  'Ｈｅｌｌｏ Ｗｏｒｌｄ',
  'Café',
  'Cafe\u0301',
  '안녕 세계',
  'How to train your dragon',
  '!!!',
  'article',
  `The ${'very '.repeat(16)}long title`,
  `The ${'very '.repeat(16)}long title, again`,
  'hello-world-0000abcd',
];
// Tags: case and Unicode normalisation make distinct tags, padding is trimmed, and the last three are one tag
// in the database, where a lone surrogate arrives as U+FFFD.
const TAGS = [
  'dragons',
  'Dragons',
  ' dragons ',
  'café',
  'cafe\u0301',
  '한글',
  'x\ud800',
  'x\udfff',
  'x\ufffd',
];

export const pick = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length];
/** Capitals for ASCII letters only: the length and the validity of a username or email stay as they were. */
export const shout = (text: string) => text.replace(/[a-z]/g, (letter) => letter.toUpperCase());

/** The values of one step: drawn with its `pick` number, for `viewer`, from `s`. */
export function valuesFor(s: Snapshot, viewer: User, n: number) {
  const others = s.users.filter((user) => user.id !== viewer.id);
  const own = s.articles.filter((article) => article.authorId === viewer.id);
  const anyArticle = pick(s.articles, n);
  const anySlug = anyArticle?.slug ?? 'no-such-article';
  const anyComment = pick(s.comments, n);
  return {
    ownArticle: pick(own, n),

    userValue(field: 'username' | 'email', source: ValueSource): string {
      const fresh = field === 'username' ? `u${n}` : `e${n}@example.com`;
      const other = pick(others, n)?.[field] ?? fresh;
      switch (source) {
        case 'fresh':
          return fresh;
        case 'own':
          return viewer[field];
        case 'ownShouted':
          return shout(viewer[field]);
        case 'other':
          return other;
        case 'otherShouted':
          return shout(other);
        case 'gone':
          return pick(field === 'username' ? s.gone.usernames : s.gone.emails, n) ?? fresh;
      }
    },

    /** A title; `article` is the one updated, or one of the viewer's for a new one. */
    title(source: TitleSource, article: Article | undefined): string {
      const fresh = TITLES[n % TITLES.length]!;
      switch (source) {
        case 'fresh':
          return fresh;
        case 'own':
          return article?.title ?? fresh;
        case 'other':
          return anyArticle?.title ?? fresh;
        case 'otherShouted':
          // Within the 300 characters a title may have.
          return anyArticle !== undefined && anyArticle.title.length < 300
            ? `${shout(anyArticle.title)}!`
            : fresh;
        case 'otherSlug':
          return anyArticle?.slug ?? fresh;
        case 'gone':
          return pick(s.gone.titles, n) ?? fresh;
      }
    },

    tags: (choices: readonly number[]) => choices.map((i) => pick([...TAGS, ...s.tags], i)!),

    slug(source: TargetSource): string {
      switch (source) {
        case 'own':
          return pick(own, n)?.slug ?? anySlug;
        case 'other':
          return anySlug;
        case 'gone':
          return pick(s.gone.slugs, n) ?? anySlug;
        case 'nearMiss':
          return shout(anySlug);
      }
    },

    username(source: TargetSource): string {
      const other = pick(s.users, n)!.username;
      switch (source) {
        case 'own':
          return viewer.username;
        case 'other':
          return other;
        case 'gone':
          return pick(s.gone.usernames, n) ?? other;
        case 'nearMiss':
          return shout(other);
      }
    },

    comment(source: TargetSource): { id: number; slug: string } {
      const fallback = anyComment ?? { id: 1, slug: anySlug };
      switch (source) {
        case 'own':
          return (
            pick(
              s.comments.filter((comment) => comment.authorId === viewer.id),
              n,
            ) ?? fallback
          );
        case 'other':
          return fallback;
        case 'gone':
          return { id: pick(s.gone.commentIds, n) ?? 1, slug: fallback.slug };
        case 'nearMiss':
          // A comment's id under another article (or its own, when there is one article).
          return { id: fallback.id, slug: pick(s.articles, n + 1)?.slug ?? anySlug };
      }
    },
  };
}
