-- The articles written before 0005_search, made searchable (the trigger covers every later write).
-- gather:backfill articles.id 2000
INSERT INTO "article_search" ("article_id", "document")
  SELECT "id", "gather_search_document"("title", "description", "body") FROM "articles"
  WHERE "id" >= $1 AND "id" < $2
  ON CONFLICT ("article_id") DO NOTHING
