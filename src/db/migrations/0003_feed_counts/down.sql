DROP TRIGGER "follows_count" ON "follows";

DROP FUNCTION "gather_count_follows"();

DROP FUNCTION "gather_rebuild_feed_counts"();

CREATE OR REPLACE FUNCTION "gather_count_articles"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "article_totals" SET "articles_count" = "articles_count" + 1 WHERE "id" = 1;
    UPDATE "users" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."author_id";
  ELSE
    UPDATE "article_totals" SET "articles_count" = "articles_count" - 1 WHERE "id" = 1;
    UPDATE "users" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."author_id";
  END IF;
  RETURN NULL;
END $$;

ALTER TABLE "feed_counts" DISABLE ROW LEVEL SECURITY;

DROP TABLE "feed_counts" CASCADE;

DROP INDEX CONCURRENTLY IF EXISTS "articles_id_author_id_idx";

DROP INDEX CONCURRENTLY IF EXISTS "follows_pushed_idx";

DROP INDEX CONCURRENTLY IF EXISTS "follows_pulled_idx";

DROP INDEX CONCURRENTLY IF EXISTS "tags_in_use_idx";

ALTER TABLE "follows" DROP COLUMN "pushed";

ALTER TABLE "users" DROP COLUMN "pushed_followers";
