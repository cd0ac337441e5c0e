// Every feature's queries, built once per database (their prepared statements are named, so they must be)
// and handed to the routes through the app's deps.
import type { Db } from '../db/database.ts';
import { createArticleQueries } from './articles/articles.queries.ts';
import { createCommentQueries } from './comments/comments.queries.ts';
import { createProfileQueries } from './profiles/profiles.queries.ts';
import { createTagQueries } from './tags/tags.queries.ts';
import { createUserQueries } from './users/users.queries.ts';

export function createQueries(db: Db) {
  return Object.freeze({
    users: createUserQueries(db),
    profiles: createProfileQueries(db),
    articles: createArticleQueries(db),
    comments: createCommentQueries(db),
    tags: createTagQueries(db),
  });
}

export type Queries = ReturnType<typeof createQueries>;
