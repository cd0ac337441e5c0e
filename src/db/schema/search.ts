import { customType, index, integer, pgTable } from '../orm.ts';
import { articles } from './articles.ts';

/** PostgreSQL's tsvector: written and read only in SQL (gather_search_document, @@), never as a JS value. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * What search reads, one row per article: its title, description and body as lexemes weighted A, B and C
 * (gather_search_document, 0005_search). A table of its own rather than a column of articles: adding it to a
 * board of a million articles rewrites nothing there, and a backfill fills it in batches. A trigger keeps it
 * in the transaction that writes the article.
 */
export const articleSearch = pgTable(
  'article_search',
  {
    articleId: integer('article_id')
      .primaryKey()
      .references(() => articles.id, { onDelete: 'cascade' }),
    document: tsvector('document').notNull(),
  },
  (t) => [index('article_search_document_idx').using('gin', t.document)],
);
