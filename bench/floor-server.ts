// The floor: what a careful hand-written server does for the two hottest reads, with nothing else.
// Fastify + pg, the same SQL as Gather (named prepared statements, page and count issued together),
// rows mapped by hand and sent with JSON.stringify. Anonymous reads only. Run by bench/http.ts:
//   DATABASE_URL=… PORT=… DB_POOL_MAX=… node --import tsx bench/floor-server.ts
import Fastify from 'fastify';
import pg from 'pg';
import { withSessionSettings } from '../src/db/postgres.ts';

// The floor is a standalone process outside Gather's code; it reads its three settings itself, and starts its
// connections with Gather's session settings (the planner's; no deadlines).
const { DATABASE_URL, PORT = '3001', DB_POOL_MAX = '10' } = process.env;
const pool = new pg.Pool({
  connectionString: withSessionSettings(DATABASE_URL!, undefined),
  max: Number(DB_POOL_MAX),
});

// Gather's shapes: a page's ids first from the filter's index, then the per-row work for those rows only (a
// tags' names by key; favorited and following probed by key, the offset 0 keeping them per-row).
const FIELDS = `"articles"."id", "articles"."slug", "articles"."title", "articles"."description",
  array(select "tags"."name" from "tags" where "tags"."id" = any(array(select "article_tags"."tag_id"
    from "article_tags" where "article_tags"."article_id" = "articles"."id")) order by 1) as "tag_list",
  "articles"."created_at", "articles"."updated_at",
  exists(select 1 from "favorites" where "favorites"."article_id" = "articles"."id" and "favorites"."user_id" = $1 offset 0) as "favorited",
  "articles"."favorites_count", "users"."username", "users"."bio", "users"."image",
  exists(select 1 from "follows" where "follows"."followee_id" = "users"."id" and "follows"."follower_id" = $2 offset 0) as "following"`;
const FROM = `from "articles" inner join "users" on "users"."id" = "articles"."author_id"`;
const pageOf = (ids: string) =>
  `select ${FIELDS} ${FROM} where "articles"."id" = any(array(${ids})) order by "articles"."id" desc`;
const userIdByName = `(select "users"."id" from "users" where "users"."username" = $3)`;

/** Per filter: the page query and the exact count (read from the counters the triggers keep). */
const LISTS = {
  none: {
    page: pageOf(`select "id" from "articles" order by "id" desc limit $3 offset $4`),
    count: `select "articles_count" as "count" from "article_totals" where "id" = 1`,
  },
  tag: {
    page: pageOf(`select "article_id" from "article_tags"
      where "tag_id" = (select "tags"."id" from "tags" where "tags"."name" = $3)
      order by "article_id" desc limit $4 offset $5`),
    count: `select "articles_count" as "count" from "tags" where "tags"."name" = $1`,
  },
  author: {
    page: pageOf(`select "id" from "articles" where "author_id" = ${userIdByName}
      order by "id" desc limit $4 offset $5`),
    count: `select "articles_count" as "count" from "users" where "users"."username" = $1`,
  },
  favorited: {
    page: pageOf(`select "article_id" from "favorites" where "user_id" = ${userIdByName}
      order by "article_id" desc limit $4 offset $5`),
    count: `select "favorites_count" as "count" from "users" where "users"."username" = $1`,
  },
};
const BY_SLUG = `select ${FIELDS}, "articles"."body" ${FROM} where "articles"."slug" = $3`;

type Row = {
  slug: string;
  title: string;
  description: string;
  body?: string;
  tag_list: string[];
  created_at: Date;
  updated_at: Date;
  favorited: boolean;
  favorites_count: number;
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
};

const article = (row: Row) => ({
  slug: row.slug,
  title: row.title,
  description: row.description,
  ...(row.body !== undefined && { body: row.body }),
  tagList: row.tag_list,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  favorited: row.favorited,
  favoritesCount: row.favorites_count,
  author: { username: row.username, bio: row.bio, image: row.image, following: row.following },
});

const app = Fastify();

app.get<{ Querystring: Record<string, string | undefined> }>('/api/articles', async (request, reply) => {
  const { tag, author, favorited, limit = '20', offset = '0' } = request.query;
  const filter =
    tag !== undefined
      ? 'tag'
      : author !== undefined
        ? 'author'
        : favorited !== undefined
          ? 'favorited'
          : 'none';
  const value = tag ?? author ?? favorited;
  // $1 viewer and $2 follower are 0: the floor serves anonymous readers.
  const paging = [Number(limit), Number(offset)];
  const [page, count] = await Promise.all([
    pool.query<Row>({
      name: `floor_page_${filter}`,
      text: LISTS[filter].page,
      values: value === undefined ? [0, 0, ...paging] : [0, 0, value, ...paging],
    }),
    pool.query<{ count: number }>({
      name: `floor_count_${filter}`,
      text: LISTS[filter].count,
      values: value === undefined ? [] : [value],
    }),
  ]);
  const body = { articles: page.rows.map(article), articlesCount: count.rows[0]?.count ?? 0 };
  return reply.type('application/json').send(JSON.stringify(body));
});

app.get<{ Params: { slug: string } }>('/api/articles/:slug', async (request, reply) => {
  const { rows } = await pool.query<Row>({
    name: 'floor_by_slug',
    text: BY_SLUG,
    values: [0, 0, request.params.slug],
  });
  const row = rows[0];
  if (row === undefined) return reply.status(404).send('{"errors":{"body":["article not found"]}}');
  return reply.type('application/json').send(JSON.stringify({ article: article(row) }));
});

await app.listen({ port: Number(PORT), host: '127.0.0.1' });
console.log(`floor: listening on http://127.0.0.1:${PORT}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    await app.close();
    await pool.end();
  });
}
