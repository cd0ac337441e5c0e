-- gather:allow create-index-blocking-writes on a new database this runs on the empty tables 0001 created; databases older than the lint applied it already
DROP INDEX "article_tags_tag_id_article_id_idx";

DROP INDEX "articles_author_id_id_idx";

CREATE INDEX "article_tags_tag_id_article_id_idx" ON "article_tags" USING btree ("tag_id","article_id");

CREATE INDEX "articles_author_id_id_idx" ON "articles" USING btree ("author_id","id");
