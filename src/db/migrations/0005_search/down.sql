DROP TRIGGER "articles_search" ON "articles";
DROP FUNCTION "gather_index_article"();
DROP FUNCTION "gather_search_articles"(text, text, text, text, boolean, integer);
DROP FUNCTION "gather_search_query"(text);
DROP FUNCTION "gather_search_document"(text, text, text);
DROP FUNCTION "gather_search_text"(text);
DROP TABLE "article_search" CASCADE;
