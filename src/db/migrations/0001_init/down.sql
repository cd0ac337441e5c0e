DROP TABLE "article_tags" CASCADE;
DROP TABLE "article_totals" CASCADE;
DROP TABLE "articles" CASCADE;
DROP TABLE "comments" CASCADE;
DROP TABLE "favorites" CASCADE;
DROP TABLE "follows" CASCADE;
DROP TABLE "tags" CASCADE;
DROP TABLE "users" CASCADE;

-- Hand-written: the counter functions of the up migration (their triggers went with the tables).
DROP FUNCTION "gather_count_articles"();
DROP FUNCTION "gather_count_favorites"();
DROP FUNCTION "gather_count_article_tags"();
