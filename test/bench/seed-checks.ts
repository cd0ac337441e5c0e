// What a seeded database must satisfy whatever its size: every trigger-kept counter equals its rows.
import type { Database } from '../../src/db/client.ts';

/** How many users, tags and articles have a counter that disagrees with their rows, and the article total. */
export async function counterMismatches(
  database: Database,
): Promise<{ users: number; tags: number; articles: number; total: number }> {
  const [row] = await database.withSession((session) =>
    session.query<{ users: number; tags: number; articles: number; total: number }>(`select
    (select count(*)::int from users u where articles_count <> (select count(*) from articles a where a.author_id = u.id)
       or favorites_count <> (select count(*) from favorites f where f.user_id = u.id)) as users,
    (select count(*)::int from tags t where articles_count <> (select count(*) from article_tags l where l.tag_id = t.id)) as tags,
    (select count(*)::int from articles a where favorites_count <> (select count(*) from favorites f where f.article_id = a.id)) as articles,
    (select articles_count from article_totals) as total`),
  );
  return row!;
}
