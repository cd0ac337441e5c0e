CREATE TABLE "article_tags" (
	"article_id" integer NOT NULL,
	"tag_id" integer NOT NULL,
	CONSTRAINT "article_tags_article_id_tag_id_pk" PRIMARY KEY("article_id","tag_id")
);


CREATE TABLE "article_totals" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"articles_count" integer DEFAULT 0 NOT NULL
);


CREATE TABLE "articles" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "articles_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"body" text NOT NULL,
	"author_id" integer NOT NULL,
	"favorites_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);


CREATE TABLE "comments" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "comments_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"body" text NOT NULL,
	"article_id" integer NOT NULL,
	"author_id" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);


CREATE TABLE "favorites" (
	"user_id" integer NOT NULL,
	"article_id" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "favorites_user_id_article_id_pk" PRIMARY KEY("user_id","article_id")
);


CREATE TABLE "follows" (
	"follower_id" integer NOT NULL,
	"followee_id" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "follows_follower_id_followee_id_pk" PRIMARY KEY("follower_id","followee_id"),
	CONSTRAINT "follows_not_self" CHECK ("follows"."follower_id" <> "follows"."followee_id")
);


CREATE TABLE "tags" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tags_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"articles_count" integer DEFAULT 0 NOT NULL
);


CREATE TABLE "users" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "users_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"username" text NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"bio" text,
	"image" text,
	"articles_count" integer DEFAULT 0 NOT NULL,
	"favorites_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);


ALTER TABLE "article_tags" ADD CONSTRAINT "article_tags_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "article_tags" ADD CONSTRAINT "article_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "tags"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "articles" ADD CONSTRAINT "articles_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "comments" ADD CONSTRAINT "comments_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "comments" ADD CONSTRAINT "comments_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "favorites" ADD CONSTRAINT "favorites_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "favorites" ADD CONSTRAINT "favorites_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "articles"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "follows" ADD CONSTRAINT "follows_follower_id_users_id_fk" FOREIGN KEY ("follower_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;

ALTER TABLE "follows" ADD CONSTRAINT "follows_followee_id_users_id_fk" FOREIGN KEY ("followee_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;

CREATE INDEX "article_tags_tag_id_article_id_idx" ON "article_tags" USING btree ("tag_id","article_id" DESC NULLS LAST);

CREATE UNIQUE INDEX "articles_slug_key" ON "articles" USING btree ("slug");

CREATE INDEX "articles_author_id_id_idx" ON "articles" USING btree ("author_id","id" DESC NULLS LAST);

CREATE INDEX "comments_article_id_id_idx" ON "comments" USING btree ("article_id","id");

CREATE INDEX "comments_author_id_idx" ON "comments" USING btree ("author_id");

CREATE INDEX "favorites_article_id_idx" ON "favorites" USING btree ("article_id");

CREATE INDEX "follows_followee_id_idx" ON "follows" USING btree ("followee_id");

CREATE UNIQUE INDEX "tags_name_key" ON "tags" USING btree ("name");

CREATE UNIQUE INDEX "users_username_key" ON "users" USING btree ("username");

CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));

-- Hand-written below this line (drizzle-kit does not diff functions or triggers).
-- Counters are kept by triggers, inside the transaction that changes the rows they count, so
-- articlesCount and favoritesCount are exact without a count(*) scan on every list page.
INSERT INTO "article_totals" ("id") VALUES (1);

CREATE FUNCTION "gather_count_articles"() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER "articles_count" AFTER INSERT OR DELETE ON "articles"
  FOR EACH ROW EXECUTE FUNCTION "gather_count_articles"();

CREATE FUNCTION "gather_count_favorites"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "articles" SET "favorites_count" = "favorites_count" + 1 WHERE "id" = NEW."article_id";
    UPDATE "users" SET "favorites_count" = "favorites_count" + 1 WHERE "id" = NEW."user_id";
  ELSE
    UPDATE "articles" SET "favorites_count" = "favorites_count" - 1 WHERE "id" = OLD."article_id";
    UPDATE "users" SET "favorites_count" = "favorites_count" - 1 WHERE "id" = OLD."user_id";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "favorites_count" AFTER INSERT OR DELETE ON "favorites"
  FOR EACH ROW EXECUTE FUNCTION "gather_count_favorites"();

CREATE FUNCTION "gather_count_article_tags"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "tags" SET "articles_count" = "articles_count" + 1 WHERE "id" = NEW."tag_id";
  ELSE
    UPDATE "tags" SET "articles_count" = "articles_count" - 1 WHERE "id" = OLD."tag_id";
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "article_tags_count" AFTER INSERT OR DELETE ON "article_tags"
  FOR EACH ROW EXECUTE FUNCTION "gather_count_article_tags"();
