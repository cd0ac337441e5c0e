import { index, integer, pgTable, primaryKey, sql, text, uniqueIndex } from '../orm.ts';
import { articles } from './articles.ts';

export const tags = pgTable(
  'tags',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    articlesCount: integer('articles_count').notNull().default(0),
  },
  (t) => [
    uniqueIndex('tags_name_key').on(t.name),
    // GET /api/tags: the most used tags, read in order from the index (not every tag sorted).
    index('tags_in_use_idx').on(t.articlesCount.desc(), t.name).where(sql`${t.articlesCount} > 0`),
  ],
);

export const articleTags = pgTable(
  'article_tags',
  {
    articleId: integer('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tagId: integer('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.tagId] }),
    // ?tag=: newest articles of one tag, the index read backwards (ascending: see articles_author_id_id_idx).
    index('article_tags_tag_id_article_id_idx').on(t.tagId, t.articleId),
  ],
);
