// Profile queries. Follow and unfollow are one statement each: find the user, change the edge, return the profile.

import type { Db } from '../../db/database.ts';
import { eq, sql } from '../../db/orm.ts';
import { articles, follows, users } from '../../db/schema/index.ts';
import { prepare } from '../../db/statement.ts';
import { aliased, followingSql } from '../shared/sql.ts';

const ph = sql.placeholder;

export type ProfileRow = {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
};

/** A profile with the user's id: follow and unfollow tell the viewer apart from the user followed. */
type ProfileWithIdRow = ProfileRow & { id: number };

const profileFields = {
  username: users.username,
  bio: users.bio,
  image: users.image,
  following: followingSql(users.id),
};

export function createProfileQueries(db: Db) {
  const byUsername = prepare<ProfileRow>(
    db,
    'profile_by_username',
    db
      .select(aliased(profileFields))
      .from(users)
      .where(eq(users.username, ph('username'))),
  );
  const authorOfArticle = prepare<ProfileRow>(
    db,
    'author_of_article',
    db
      .select(aliased(profileFields))
      .from(users)
      .innerJoin(articles, eq(articles.authorId, users.id))
      .where(eq(articles.slug, ph('slug'))),
  );
  const follow = prepare<ProfileWithIdRow>(
    db,
    'profile_follow',
    sql`with target as (select id, username, bio, image from ${users} where username = ${ph('username')}),
      edge as (
        insert into ${follows} (follower_id, followee_id)
        select ${ph('viewerId')}, id from target where id <> ${ph('viewerId')}
        on conflict do nothing)
      select id, username, bio, image, id <> ${ph('viewerId')} as following from target`,
  );
  const unfollow = prepare<ProfileWithIdRow>(
    db,
    'profile_unfollow',
    sql`with target as (select id, username, bio, image from ${users} where username = ${ph('username')}),
      edge as (
        delete from ${follows} using target
        where follower_id = ${ph('viewerId')} and followee_id = target.id)
      select id, username, bio, image, false as following from target`,
  );

  return {
    byUsername: async (username: string, viewerId: number | null): Promise<ProfileRow | undefined> =>
      (await byUsername({ username, viewerId: viewerId ?? 0 }))[0],

    /** The profile of the article's author (found by slug); undefined when there is no such article. */
    authorOfArticle: async (slug: string, viewerId: number | null): Promise<ProfileRow | undefined> =>
      (await authorOfArticle({ slug, viewerId: viewerId ?? 0 }))[0],

    /** Follows `username`; undefined when no such user. Idempotent. */
    follow: async (viewerId: number, username: string): Promise<ProfileWithIdRow | undefined> =>
      (await follow({ viewerId, username }))[0],

    /** Unfollows `username`; undefined when no such user. Idempotent. */
    unfollow: async (viewerId: number, username: string): Promise<ProfileWithIdRow | undefined> =>
      (await unfollow({ viewerId, username }))[0],
  };
}
