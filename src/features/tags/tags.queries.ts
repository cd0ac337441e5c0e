import type { Db } from '../../db/database.ts';
import { desc, sql } from '../../db/orm.ts';
import { tags } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased } from '../shared/sql.ts';

/** How many tags GET /api/tags lists: the most used, what Conduit's front-ends show as "Popular Tags". The
 * contract asks for "a list of tags"; all of them grow with the board (100,000 tags: 100,000 names sorted on
 * every request). */
export const POPULAR_TAGS = 100;

export function createTagQueries(db: Db) {
  // A tag whose last article was deleted keeps its row (count 0) and is not listed. The first POPULAR_TAGS
  // rows of tags_in_use_idx, in its order (articles_count desc nulls last, name), ordered again (100 rows) by
  // json_agg, which does not promise its input's order. The names come back as one
  // JSON array in one row, which the drivers decode with JSON.parse: a row object per tag, or a text[]
  // decoded character by character in JavaScript, cost several times more.
  const popular = db
    .select({ name: tags.name, count: tags.articlesCount })
    .from(tags)
    // A literal, not a parameter: the plan is generic (db/database.ts), and only a literal 0 lets it prove
    // that tags_in_use_idx (where articles_count > 0) holds every row it needs.
    .where(sql`${tags.articlesCount} > 0`)
    .orderBy(sql`${desc(tags.articlesCount)} nulls last`, tags.name)
    .limit(POPULAR_TAGS)
    .as('popular');
  const names = sql`coalesce(json_agg(${popular.name} order by ${popular.count} desc, ${popular.name}), '[]')`;
  const inUse = prepare<{ names: string[] }>(db, 'tags_in_use', db.select(aliased({ names })).from(popular));

  return {
    /** The most used tag names, most used first. */
    inUse: async (): Promise<string[]> => (await inUse())[0]?.names ?? [],
  };
}
