// The benchmark's request cases, built from facts about the seeded dataset. Shared by the load runs,
// the traced round-trip pass and the CI smoke test, so all three exercise exactly the same requests.

export type BenchCase = Readonly<{
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** A token for `Authorization: Token …`, or none for an anonymous request. */
  token?: string;
  /** JSON body; `[<id>]` is replaced by a fresh id per request (titles must differ). */
  body?: string;
  /** The floor server answers this case too (same SQL, hand-written). */
  floor: boolean;
  write: boolean;
}>;

export type Fixture = Readonly<{
  /** The newest article: the first item of the list page. */
  slug: string;
  /** The most used tag. */
  tag: string;
  /** The most prolific author, who also favorites the most (user 1 of the seed). */
  author: string;
  /** A token of a user who follows others (their feed has pages). */
  readerToken: string;
  /** A token of a user who writes: creates articles, comments, favorites. */
  writerToken: string;
}>;

export function benchCases(f: Fixture): BenchCase[] {
  const read = (name: string, path: string, floor: boolean, token?: string): BenchCase => ({
    name,
    method: 'GET',
    path,
    floor,
    write: false,
    ...(token !== undefined && { token }),
  });
  const write = (name: string, path: string, body?: object): BenchCase => ({
    name,
    method: 'POST',
    path,
    token: f.writerToken,
    floor: false,
    write: true,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const slug = encodeURIComponent(f.slug);
  return [
    read('list articles', '/api/articles?limit=20', true),
    read('list by tag', `/api/articles?limit=20&tag=${encodeURIComponent(f.tag)}`, true),
    read('list by author', `/api/articles?limit=20&author=${encodeURIComponent(f.author)}`, true),
    read('list favorited', `/api/articles?limit=20&favorited=${encodeURIComponent(f.author)}`, true),
    read('feed', '/api/articles/feed?limit=20', false, f.readerToken),
    read('article', `/api/articles/${slug}`, true),
    // The same read signed in: its token checked, and the session check (a password change ends it).
    read('article, signed in', `/api/articles/${slug}`, false, f.readerToken),
    read('comments', `/api/articles/${slug}/comments`, false),
    read('tags', '/api/tags', false),
    read('profile', `/api/profiles/${encodeURIComponent(f.author)}`, false),
    write('create article', '/api/articles', {
      article: {
        title: 'Bench article [<id>]',
        description: 'Written under load',
        body: 'Body',
        tagList: ['postgres'],
      },
    }),
    write('add comment', `/api/articles/${slug}/comments`, { comment: { body: 'Written under load' } }),
    write('favorite', `/api/articles/${slug}/favorite`),
  ];
}
