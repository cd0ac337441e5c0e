// Profile queries. Follow and unfollow are one statement each: find the user, change the edge, return the profile.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rows } from '../../db/rows.ts';
import { articles, follows, users } from '../../db/schema/index.ts';
import type { ProfileRow } from './profiles.present.ts';

/** `following` for the viewer in a placeholder named viewerId (0 when anonymous). */
export const followingSql = (followeeId: typeof users.id) =>
  sql<boolean>`exists(select 1 from ${follows} where ${follows.followeeId} = ${followeeId} and ${follows.followerId} = ${sql.placeholder('viewerId')})`;

export function createProfileQueries(db: Db) {
  const byUsername = db
    .select({
      id: users.id,
      username: users.username,
      bio: users.bio,
      image: users.image,
      following: followingSql(users.id),
    })
    .from(users)
    .where(eq(users.username, sql.placeholder('username')))
    .prepare('profile_by_username');
  const authorOfArticle = db
    .select({
      username: users.username,
      bio: users.bio,
      image: users.image,
      following: followingSql(users.id),
    })
    .from(users)
    .innerJoin(articles, eq(articles.authorId, users.id))
    .where(eq(articles.slug, sql.placeholder('slug')))
    .prepare('author_of_article');

  return {
    byUsername: async (username: string, viewerId: number | null) =>
      (await byUsername.execute({ username, viewerId: viewerId ?? 0 }))[0],

    /** The profile of the article's author (found by slug); undefined when there is no such article. */
    authorOfArticle: async (slug: string, viewerId: number | null): Promise<ProfileRow | undefined> =>
      (await authorOfArticle.execute({ slug, viewerId: viewerId ?? 0 }))[0],

    /** Follows `username`; undefined when no such user. Idempotent. */
    follow: async (viewerId: number, username: string): Promise<(ProfileRow & { id: number }) | undefined> =>
      (
        await rows<ProfileRow & { id: number }>(
          db,
          sql`with target as (select id, username, bio, image from ${users} where username = ${username}),
            edge as (
              insert into ${follows} (follower_id, followee_id)
              select ${viewerId}, id from target where id <> ${viewerId}
              on conflict do nothing)
            select id, username, bio, image, id <> ${viewerId} as following from target`,
        )
      )[0],

    /** Unfollows `username`; undefined when no such user. Idempotent. */
    unfollow: async (
      viewerId: number,
      username: string,
    ): Promise<(ProfileRow & { id: number }) | undefined> =>
      (
        await rows<ProfileRow & { id: number }>(
          db,
          sql`with target as (select id, username, bio, image from ${users} where username = ${username}),
            edge as (
              delete from ${follows} using target
              where follower_id = ${viewerId} and followee_id = target.id)
            select id, username, bio, image, false as following from target`,
        )
      )[0],
  };
}
