import { desc, gt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { tags } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased } from '../shared/sql.ts';

export function createTagQueries(db: Db) {
  // A tag whose last article was deleted keeps its row (count 0) and is not listed.
  const inUse = prepare<{ name: string }>(
    db,
    'tags_in_use',
    db
      .select(aliased({ name: tags.name }))
      .from(tags)
      .where(gt(tags.articlesCount, 0))
      .orderBy(desc(tags.articlesCount), tags.name),
  );

  return {
    /** Tag names in use, most used first. */
    inUse: async (): Promise<string[]> => (await inUse()).map((row) => row.name),
  };
}
