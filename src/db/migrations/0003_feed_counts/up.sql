CREATE TABLE "feed_counts" (
	"reader_id" integer PRIMARY KEY NOT NULL,
	"followees_count" integer DEFAULT 0 NOT NULL,
	"pushed_articles" integer DEFAULT 0 NOT NULL
);

ALTER TABLE "follows" ADD COLUMN "pushed" boolean DEFAULT false NOT NULL;

ALTER TABLE "users" ADD COLUMN "pushed_followers" integer DEFAULT 0 NOT NULL;

ALTER TABLE "feed_counts" ADD CONSTRAINT "feed_counts_reader_id_users_id_fk" FOREIGN KEY ("reader_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;

CREATE INDEX CONCURRENTLY IF NOT EXISTS "articles_id_author_id_idx" ON "articles" USING btree ("id","author_id");

CREATE INDEX CONCURRENTLY IF NOT EXISTS "follows_pushed_idx" ON "follows" USING btree ("followee_id","follower_id") WHERE "follows"."pushed";

CREATE INDEX CONCURRENTLY IF NOT EXISTS "follows_pulled_idx" ON "follows" USING btree ("follower_id","followee_id") WHERE not "follows"."pushed";

CREATE INDEX CONCURRENTLY IF NOT EXISTS "tags_in_use_idx" ON "tags" USING btree ("articles_count" DESC NULLS LAST,"name") WHERE "tags"."articles_count" > 0;

-- Hand-written below this line (drizzle-kit does not diff functions or triggers).
-- A feed's counters (src/db/schema/feed.ts), kept in the transaction that changes follows or articles.
-- An author's first 1,000 followers are pushed: a new or deleted article changes their counters. Later
-- followers are pulled: their feed's count adds the author's articles_count when it is read.
CREATE FUNCTION "gather_count_follows"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  author_articles integer;
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- Locks the author's row, so articles_count is exact against the author's articles written meanwhile.
    UPDATE "users" SET "pushed_followers" = "pushed_followers" + 1
      WHERE "id" = NEW."followee_id" AND "pushed_followers" < 1000
      RETURNING "articles_count" INTO author_articles;
    IF FOUND THEN
      UPDATE "follows" SET "pushed" = true
        WHERE "follower_id" = NEW."follower_id" AND "followee_id" = NEW."followee_id";
    END IF;
    INSERT INTO "feed_counts" AS c ("reader_id", "followees_count", "pushed_articles")
      VALUES (NEW."follower_id", 1, coalesce(author_articles, 0))
      ON CONFLICT ("reader_id") DO UPDATE SET "followees_count" = c."followees_count" + 1,
        "pushed_articles" = c."pushed_articles" + excluded."pushed_articles";
  ELSE
    IF OLD."pushed" THEN
      UPDATE "users" SET "pushed_followers" = "pushed_followers" - 1
        WHERE "id" = OLD."followee_id" RETURNING "articles_count" INTO author_articles;
    END IF;
    UPDATE "feed_counts" SET "followees_count" = "followees_count" - 1,
        "pushed_articles" = "pushed_articles" - coalesce(author_articles, 0)
      WHERE "reader_id" = OLD."follower_id";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "follows_count" AFTER INSERT OR DELETE ON "follows"
  FOR EACH ROW EXECUTE FUNCTION "gather_count_follows"();

-- Articles' writes wait until this commits: one written between the backfill and the new function would be
-- counted by neither.
LOCK TABLE "articles" IN SHARE ROW EXCLUSIVE MODE;

CREATE OR REPLACE FUNCTION "gather_count_articles"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  author_id integer := CASE WHEN TG_OP = 'INSERT' THEN NEW."author_id" ELSE OLD."author_id" END;
  delta integer := CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE -1 END;
BEGIN
  UPDATE "article_totals" SET "articles_count" = "articles_count" + delta WHERE "id" = 1;
  UPDATE "users" SET "articles_count" = "articles_count" + delta WHERE "id" = author_id;
  -- The pushed followers' counters, locked in reader order: two authors' fan-outs cannot deadlock.
  PERFORM 1 FROM "feed_counts" WHERE "reader_id" IN (
      SELECT "follower_id" FROM "follows" WHERE "followee_id" = author_id AND "pushed")
    ORDER BY "reader_id" FOR UPDATE;
  UPDATE "feed_counts" SET "pushed_articles" = "pushed_articles" + delta WHERE "reader_id" IN (
    SELECT "follower_id" FROM "follows" WHERE "followee_id" = author_id AND "pushed");
  RETURN NULL;
END $$;

-- Every feed counter computed from the rows: this migration's backfill, and the seed's after its load (with
-- the triggers off). Run while follows and articles take no writes (the triggers above hold them off here).
CREATE FUNCTION "gather_rebuild_feed_counts"() RETURNS void LANGUAGE sql AS $$
  DELETE FROM "feed_counts";
  UPDATE "follows" SET "pushed" = false WHERE "pushed";
  UPDATE "users" SET "pushed_followers" = 0 WHERE "pushed_followers" <> 0;
  UPDATE "follows" f SET "pushed" = true
    FROM (SELECT "follower_id", "followee_id",
            row_number() OVER (PARTITION BY "followee_id" ORDER BY "created_at", "follower_id") AS n
          FROM "follows") first
    WHERE first.n <= 1000 AND f."follower_id" = first."follower_id" AND f."followee_id" = first."followee_id";
  UPDATE "users" u SET "pushed_followers" = p.n
    FROM (SELECT "followee_id", count(*)::int AS n FROM "follows" WHERE "pushed" GROUP BY 1) p
    WHERE u."id" = p."followee_id";
  INSERT INTO "feed_counts" ("reader_id", "followees_count", "pushed_articles")
    SELECT f."follower_id", count(*)::int, coalesce(sum(u."articles_count") FILTER (WHERE f."pushed"), 0)::int
    FROM "follows" f JOIN "users" u ON u."id" = f."followee_id" GROUP BY 1;
$$;

SELECT "gather_rebuild_feed_counts"();
