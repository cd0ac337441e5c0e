import { desc, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { tags } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased } from '../shared/sql.ts';

export function createTagQueries(db: Db) {
  // A tag whose last article was deleted keeps its row (count 0) and is not listed. The names come back as one
  // JSON array in one row, which the drivers decode with JSON.parse: a row object per tag (hundreds), or a
  // text[] decoded character by character in JavaScript, cost several times more.
  const names = sql`coalesce(json_agg(${tags.name} order by ${desc(tags.articlesCount)}, ${tags.name}), '[]')`;
  const inUse = prepare<{ names: string[] }>(
    db,
    'tags_in_use',
    db.select(aliased({ names })).from(tags).where(gt(tags.articlesCount, 0)),
  );

  return {
    /** Tag names in use, most used first. */
    inUse: async (): Promise<string[]> => (await inUse())[0]?.names ?? [],
  };
}
