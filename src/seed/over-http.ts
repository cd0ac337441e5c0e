// `gather seed --url`: the same generated content, added to a running Gather through its HTTP API, as a
// client would add it (register, write, comment, favorite, follow). The way to seed while a server holds the
// embedded database: the server writes, nothing else opens its folder. Additive: nothing is deleted.
import { CommandError } from '../command-error.ts';
import { generate, SEED_PASSWORD, type SeedSize, usernameOf, type Value } from './dataset.ts';
import type { Progress } from './progress.ts';
import type { SeedResult } from './seed.ts';

/** Requests in flight at once: enough to overlap the round trips, few enough not to crowd the server. */
const IN_FLIGHT = 8;

type Row = Record<string, Value>;

/** Every generated table as rows keyed by column (the API needs links before the articles they tag). */
function generatedRows(size: SeedSize): Map<string, Row[]> {
  // The users' password_hash is not sent: each user is registered with the password, hashed by the server.
  const tables = generate(size);
  return new Map(
    tables.map(({ table, columns, chunks }) => [
      table,
      [...chunks()].flat().map((values) => Object.fromEntries(columns.map((c, i) => [c, values[i]!]))),
    ]),
  );
}

type Client = {
  send(method: string, path: string, body?: object, token?: string): Promise<Record<string, unknown>>;
};

/** How many 503s (server busy) in all the seeding waits out before it gives up. */
const BUSY_RETRIES = 20;

const retryAfterSeconds = (response: Response): number =>
  Number(response.headers.get('retry-after') ?? 1) || 1;
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

function client(baseUrl: string): Client {
  let warned = false;
  let busyRetries = 0;
  const send: Client['send'] = async (method, path, body, token) => {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        method,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(token !== undefined && { authorization: `Token ${token}` }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CommandError(
        `nothing answers at ${baseUrl} (${cause}): start \`gather serve\`, or fix --url`,
      );
    }
    if (response.status === 429) {
      // Sign-ups are rate limited per client address (REGISTRATIONS_PER_ADDRESS): wait as the server asks.
      const seconds = retryAfterSeconds(response);
      if (!warned) {
        console.error(
          `gather seed: the server limits sign-ups (REGISTRATIONS_PER_ADDRESS); waiting ${seconds} s`,
        );
        warned = true;
      }
      await sleep(seconds);
      return send(method, path, body, token);
    }
    if (response.status === 503 && busyRetries < BUSY_RETRIES) {
      // The server shed the request before doing it (it is busy, or the database is): come back as it asks.
      busyRetries += 1;
      await sleep(retryAfterSeconds(response));
      return send(method, path, body, token);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new CommandError(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
  return { send };
}

/** Runs `work` for every item, IN_FLIGHT at a time, in order of start; tells `progress` as they finish. */
async function inFlight<T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  onDone: (n: number) => void,
) {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < items.length) {
      await work(items[next++]!);
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, items.length) }, lane));
}

export async function seedOverHttp(baseUrl: string, size: SeedSize, progress: Progress): Promise<SeedResult> {
  const started = performance.now();
  const api = client(baseUrl);
  const counts = { ...size };
  const first = await fetch(new URL(`/api/profiles/${usernameOf(1)}`, baseUrl)).catch(() => undefined);
  if (first?.status === 200) {
    return { status: 'reused', counts, ms: performance.now() - started };
  }
  const rows = generatedRows(size);
  const table = (name: string) => rows.get(name)!;
  const step = async (label: string, items: readonly Row[], work: (row: Row) => Promise<void>) => {
    await inFlight(items, work, (done) => progress.update(label, done, items.length));
    progress.update(label, items.length, items.length);
    progress.finish(label);
  };

  const tokens = new Map<number, string>();
  await step('users', table('users'), async (user) => {
    const registered = await api.send('POST', '/api/users', {
      user: { username: user.username, email: user.email, password: SEED_PASSWORD },
    });
    const token = (registered.user as { token: string }).token;
    tokens.set(user.id as number, token);
    if (user.bio !== null) await api.send('PUT', '/api/user', { user: { bio: user.bio } }, token);
  });

  const tagName = new Map(table('tags').map((tag) => [tag.id as number, tag.name as string]));
  const tagsOf = new Map<number, string[]>();
  for (const link of table('article_tags')) {
    const list = tagsOf.get(link.article_id as number) ?? [];
    list.push(tagName.get(link.tag_id as number)!);
    tagsOf.set(link.article_id as number, list);
  }
  const slugs = new Map<number, string>();
  await step('articles', table('articles'), async (article) => {
    const created = await api.send(
      'POST',
      '/api/articles',
      {
        article: {
          title: article.title,
          description: article.description,
          body: article.body,
          tagList: tagsOf.get(article.id as number) ?? [],
        },
      },
      tokens.get(article.author_id as number),
    );
    slugs.set(article.id as number, (created.article as { slug: string }).slug);
  });

  const slugOf = (row: Row) => slugs.get(row.article_id as number)!;
  await step('comments', table('comments'), async (comment) => {
    await api.send(
      'POST',
      `/api/articles/${slugOf(comment)}/comments`,
      { comment: { body: comment.body } },
      tokens.get(comment.author_id as number),
    );
  });
  await step('favorites', table('favorites'), async (favorite) => {
    await api.send(
      'POST',
      `/api/articles/${slugOf(favorite)}/favorite`,
      undefined,
      tokens.get(favorite.user_id as number),
    );
  });
  await step('follows', table('follows'), async (follow) => {
    const followee = usernameOf(follow.followee_id as number);
    await api.send(
      'POST',
      `/api/profiles/${followee}/follow`,
      undefined,
      tokens.get(follow.follower_id as number),
    );
  });
  return { status: 'loaded', counts, ms: performance.now() - started };
}
