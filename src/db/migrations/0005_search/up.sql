CREATE TABLE "article_search" (
	"article_id" integer PRIMARY KEY NOT NULL,
	"document" "tsvector" NOT NULL
);

ALTER TABLE "article_search" ADD CONSTRAINT "article_search_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;

CREATE INDEX "article_search_document_idx" ON "article_search" USING gin ("document");

-- Hand-written below this line (drizzle-kit does not diff functions or triggers).
-- Statistics on ten times the default number of words, so that the planner knows a word of one article in a
-- hundred from a common one (gather_search_articles plans each query by them).
ALTER TABLE "article_search" ALTER COLUMN "document" SET STATISTICS 1000;

-- Search text: Korean words lose their trailing particle (비동기는, 비동기를, 비동기에서 -> 비동기) when at
-- least two syllables stay, the shortest stem winning; the same function reads documents and queries, so
-- "비동기를" finds "비동기는". Everything else goes to the english configuration (stemming, stop words).
-- Text without Hangul skips the regular expression (a tenth of the time of the whole document).
CREATE FUNCTION "gather_search_text"(input text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
  RETURN CASE WHEN input ~ '[가-힣]' THEN regexp_replace(input,
    '([가-힣]{2,}?)(에서는|에게는|으로는|에서도|에는|에도|로는|와는|과는|으로|에서|에게|까지|부터|이다|이었다|였다|은|는|이|가|을|를|에|의|와|과|도|로|만|다)(?=[^가-힣]|$)',
    '\1', 'g') ELSE input END;

-- An article as search reads it: the title weighs most (A), then the description (B), then the body (C).
CREATE FUNCTION "gather_search_document"(title text, description text, body text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN setweight(to_tsvector('english'::regconfig, "gather_search_text"(title)), 'A')
    || setweight(to_tsvector('english'::regconfig, "gather_search_text"(description)), 'B')
    || setweight(to_tsvector('english'::regconfig, "gather_search_text"(body)), 'C');

-- A query as search reads it: websearch_to_tsquery's syntax ("a phrase", -word, or) over the same text.
CREATE FUNCTION "gather_search_query"(query text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN websearch_to_tsquery('english'::regconfig, "gather_search_text"(query));

-- A search's matches: the newest `max_matches` articles whose document matches `query` and that pass the
-- filters given (tag, author, favorited; NULL for none), newest first, with their rank when `ranked`. EXECUTE
-- plans the statement for these very words (a prepared statement's one generic plan cannot be right for both):
-- a common word is read newest first from the primary key until enough match, a rare one from the GIN index.
-- The rank is computed after the limit, for the matches returned only.
CREATE FUNCTION "gather_search_articles"(query text, tag text, author text, favorited text, ranked boolean,
    max_matches integer) RETURNS TABLE ("id" integer, "rank" real) LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY EXECUTE
    'SELECT m."article_id", CASE WHEN $5 THEN ts_rank(m."document", "gather_search_query"($1)) END
       FROM (SELECT s."article_id", s."document" FROM "article_search" s
              WHERE s."document" @@ "gather_search_query"($1)
                AND ($2 IS NULL OR s."article_id" IN (SELECT t."article_id" FROM "article_tags" t
                      WHERE t."tag_id" = (SELECT "id" FROM "tags" WHERE "name" = $2)))
                AND ($3 IS NULL OR s."article_id" IN (SELECT a."id" FROM "articles" a
                      WHERE a."author_id" = (SELECT "id" FROM "users" WHERE "username" = $3)))
                AND ($4 IS NULL OR s."article_id" IN (SELECT f."article_id" FROM "favorites" f
                      WHERE f."user_id" = (SELECT "id" FROM "users" WHERE "username" = $4)))
              ORDER BY s."article_id" DESC LIMIT $6) m'
    USING query, tag, author, favorited, ranked, max_matches;
END $$;

-- Every article written from now on is searchable in the transaction that writes it; those written before
-- are filled by backfill.sql, in batches, after this commits.
CREATE FUNCTION "gather_index_article"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "article_search" ("article_id", "document")
    VALUES (NEW."id", "gather_search_document"(NEW."title", NEW."description", NEW."body"))
    ON CONFLICT ("article_id") DO UPDATE SET "document" = excluded."document";
  RETURN NULL;
END $$;

CREATE TRIGGER "articles_search" AFTER INSERT OR UPDATE OF "title", "description", "body" ON "articles"
  FOR EACH ROW EXECUTE FUNCTION "gather_index_article"();
