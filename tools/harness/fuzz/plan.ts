// A stateful step resolved against a snapshot of the database: the request, and the answer that snapshot
// predicts. A username or email another user holds (in any case, for an email) is refused with a 422 that
// names it; a title whose slug is taken gets the slug and a suffix; a gone or someone else's article, comment
// or user is a 404 or 403. After an accepted write, a check of what it wrote.
import { normalizeTags, slugify } from '../../../src/features/articles/slug.ts';
import { createTokenService } from '../../../src/http/auth.ts';
import { TEST_JWT_SECRET } from '../test-app.ts';
import type { Snapshot, User } from './database.ts';
import type { FuzzRequest, Method } from './hostile.ts';
import { pick, type Step, valuesFor } from './steps.ts';

// biome-ignore lint/suspicious/noExplicitAny: an answer's parsed JSON, read field by field by the checks.
export type Body = any;
export type Unique = 'username' | 'email' | 'slug';

export type Expectation = Readonly<{
  status: number;
  /** The unique keys the request runs into: a username or email is refused (422, "email has already been
   * taken"), a slug is not (the article gets the slug with a suffix). */
  conflicts?: readonly Unique[];
  /** Whether the refusal names every conflict (registration), or the one the database reported first. */
  namesEvery?: boolean;
  /** After the predicted 2xx: what is wrong with the answer or with the data it left, or undefined. */
  after?: (body: Body, next: Snapshot) => string | undefined;
}>;
export type Planned = Readonly<{ request: FuzzRequest; expect: Expectation }>;

const tokens = createTokenService(TEST_JWT_SECRET, '1h');

/** A JSON request to `route` with its parameters filled in, as `viewer` (anonymous without one). */
function request(
  method: Method,
  route: string,
  params: Record<string, string | number>,
  viewer?: User,
  body?: unknown,
): FuzzRequest {
  return {
    route: `${method} ${route}`,
    method,
    url: route.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name]!)),
    headers: {
      ...(viewer !== undefined && {
        authorization: `Token ${tokens.sign(viewer.id, viewer.credentialsVersion)}`,
      }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  };
}

const sameEmail = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
/** A string as PostgreSQL stores it: UTF-8, where a lone surrogate becomes U+FFFD. */
const asStored = (text: string) => Buffer.from(text).toString();
/** `reason` when `wrong`: the checks after an accepted write read as a list of conditions. */
const unless = (wrong: boolean, reason: string) => (wrong ? reason : undefined);

/** Whether `title`'s slug is taken in `s` by an article other than the one at `current`. */
const slugTaken = (title: string, s: Snapshot, current?: string) => {
  const base = slugify(title);
  return base !== current && s.articles.some((article) => article.slug === base);
};

/** Why `slug` is not the one an article titled `title` gets: the title's slug when free (or the article's
 * own already), else that slug and a suffix of 8 hex digits. */
function slugBreach(slug: unknown, title: string, s: Snapshot, current?: string): string | undefined {
  const base = slugify(title);
  const taken = slugTaken(title, s, current);
  const right =
    typeof slug === 'string' &&
    (taken
      ? slug.startsWith(`${base}-`) && /^[0-9a-f]{8}$/.test(slug.slice(base.length + 1))
      : slug === base);
  return unless(
    !right,
    `slug ${slug} for ${JSON.stringify(title)}: expected ${taken ? `${base}-<8 hex>` : base}`,
  );
}

/** Resolves `step` against `s` into a request and the answer `s` predicts; the user `bystander` never acts. */
export function plan(step: Step, s: Snapshot, bystander: number): Planned {
  // The fuzzer never trims its intruder: there is always a viewer.
  const viewer = pick(
    s.users.filter((user) => user.id !== bystander),
    step.viewer,
  )!;
  const values = valuesFor(s, viewer, step.pick);
  const articleAt = (slug: string) => s.articles.find((article) => article.slug === slug);
  /** 404 for no such article, 403 for someone else's, else `ok`. */
  const authorOnly = (slug: string, ok: number) => {
    const article = articleAt(slug);
    return article === undefined ? 404 : article.authorId === viewer.id ? ok : 403;
  };

  switch (step.kind) {
    case 'register': {
      const username = values.userValue('username', step.username);
      const email = values.userValue('email', step.email);
      const conflicts = [
        ...(s.users.some((user) => user.username === username) ? (['username'] as const) : []),
        ...(s.users.some((user) => sameEmail(user.email, email)) ? (['email'] as const) : []),
      ];
      return {
        request: request('POST', '/api/users', {}, undefined, {
          user: { username, email, password: 'password123' },
        }),
        expect: {
          status: conflicts.length > 0 ? 422 : 201,
          conflicts,
          namesEvery: true,
          after: (_answer, next) =>
            unless(
              !next.users.some((user) => user.username === username && user.email === email),
              'the new user is not in the database as registered',
            ),
        },
      };
    }
    case 'updateUser': {
      const others = s.users.filter((user) => user.id !== viewer.id);
      const username = step.username && values.userValue('username', step.username);
      const email = step.email && values.userValue('email', step.email);
      const fields = {
        ...(username !== undefined && { username }),
        ...(email !== undefined && { email }),
        ...(step.bio !== undefined && { bio: step.bio }),
        ...(step.image !== undefined && { image: step.image }),
        ...(step.password && { password: 'password456' }),
      };
      const conflicts = [
        ...(others.some((user) => user.username === username) ? (['username'] as const) : []),
        ...(others.some((user) => email !== undefined && sameEmail(user.email, email))
          ? (['email'] as const)
          : []),
      ];
      return {
        request: request('PUT', '/api/user', {}, viewer, { user: fields }),
        expect: {
          // An empty update is refused by the schema (minProperties).
          status: Object.keys(fields).length === 0 || conflicts.length > 0 ? 422 : 200,
          conflicts,
          after: (_answer, next) => {
            const row = next.users.find((user) => user.id === viewer.id);
            // A new password or another email ends the sessions before it: the version tokens carry rises.
            const ended = step.password === true || (email !== undefined && !sameEmail(email, viewer.email));
            return (
              unless(
                row?.username !== (username ?? viewer.username) || row?.email !== (email ?? viewer.email),
                'the user does not hold the new username and email',
              ) ??
              unless(
                row?.credentialsVersion !== viewer.credentialsVersion + (ended ? 1 : 0),
                ended
                  ? 'a password or email change did not end the sessions before it'
                  : 'a change of neither password nor email ended the sessions',
              )
            );
          },
        },
      };
    }
    case 'createArticle': {
      const title = values.title(step.title, values.ownArticle);
      const tagList = values.tags(step.tags);
      const body = { article: { title, description: 'A description', body: 'A body', tagList } };
      return {
        request: request('POST', '/api/articles', {}, viewer, body),
        expect: {
          status: 201,
          conflicts: slugTaken(title, s) ? ['slug'] : [],
          after: ({ article }, next) =>
            slugBreach(article.slug, title, s) ??
            unless(
              [...article.tagList].sort().join('\n') !== normalizeTags(tagList.map(asStored)).join('\n'),
              `tags ${JSON.stringify(article.tagList)} for ${JSON.stringify(tagList)}`,
            ) ??
            unless(
              !next.articles.some((row) => row.slug === article.slug && row.authorId === viewer.id),
              'the new article is not in the database',
            ),
        },
      };
    }
    case 'updateArticle': {
      const slug = values.slug(step.target);
      const title = step.title && values.title(step.title, articleAt(slug));
      const fields = {
        ...(title !== undefined && { title }),
        ...(step.description && { description: 'Another description' }),
        ...(step.body && { body: 'Another body' }),
      };
      const status = Object.keys(fields).length === 0 ? 422 : authorOnly(slug, 200);
      return {
        request: request('PUT', '/api/articles/:slug', { slug }, viewer, { article: fields }),
        expect: {
          status,
          conflicts: status === 200 && title !== undefined && slugTaken(title, s, slug) ? ['slug'] : [],
          after: ({ article }, next) =>
            (title === undefined
              ? unless(article.slug !== slug, `the slug changed without a new title: ${article.slug}`)
              : slugBreach(article.slug, title, s, slug)) ??
            unless(
              !next.articles.some(
                (row) => row.slug === article.slug && row.title === asStored(title ?? row.title),
              ) ||
                (article.slug !== slug && next.articles.some((row) => row.slug === slug)),
              'the database does not hold the article under its new slug alone',
            ),
        },
      };
    }
    case 'deleteArticle': {
      const slug = values.slug(step.target);
      return {
        request: request('DELETE', '/api/articles/:slug', { slug }, viewer),
        expect: {
          status: authorOnly(slug, 204),
          after: (_answer, next) =>
            unless(
              next.articles.some((row) => row.slug === slug),
              'the deleted article is still there',
            ),
        },
      };
    }
    case 'favorite':
    case 'unfavorite': {
      const slug = values.slug(step.target);
      const favorited = step.kind === 'favorite';
      return {
        request: request(favorited ? 'POST' : 'DELETE', '/api/articles/:slug/favorite', { slug }, viewer),
        expect: {
          status: articleAt(slug) === undefined ? 404 : 200,
          after: ({ article }) =>
            unless(article.favorited !== favorited, `favorited is ${article.favorited}`),
        },
      };
    }
    case 'comment': {
      const slug = values.slug(step.target);
      return {
        request: request('POST', '/api/articles/:slug/comments', { slug }, viewer, {
          comment: { body: 'A comment' },
        }),
        expect: {
          status: articleAt(slug) === undefined ? 404 : 200,
          after: ({ comment }, next) =>
            unless(
              !next.comments.some((row) => row.id === comment.id && row.slug === slug),
              'the new comment is not in the database',
            ),
        },
      };
    }
    case 'deleteComment': {
      const { id, slug } = values.comment(step.target);
      const comment = s.comments.find((row) => row.id === id && row.slug === slug);
      return {
        request: request('DELETE', '/api/articles/:slug/comments/:id', { slug, id }, viewer),
        expect: {
          status: comment === undefined ? 404 : comment.authorId === viewer.id ? 204 : 403,
          after: (_answer, next) =>
            unless(
              next.comments.some((row) => row.id === id),
              'the deleted comment is still there',
            ),
        },
      };
    }
    case 'follow':
    case 'unfollow': {
      const username = values.username(step.target);
      const following = step.kind === 'follow';
      const exists = s.users.some((user) => user.username === username);
      return {
        request: request(
          following ? 'POST' : 'DELETE',
          '/api/profiles/:username/follow',
          { username },
          viewer,
        ),
        expect: {
          // Nobody follows themselves; unfollowing oneself changes nothing and is answered.
          status: !exists ? 404 : following && username === viewer.username ? 422 : 200,
          after: ({ profile }) =>
            unless(profile.following !== following, `following is ${profile.following}`),
        },
      };
    }
  }
}
