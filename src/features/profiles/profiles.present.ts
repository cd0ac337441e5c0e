import type { AuthorRow } from '../shared/sql.ts';
import type { ProfileRow } from './profiles.queries.ts';
import type { ProfileDto } from './profiles.schemas.ts';

/** The one row → Profile DTO mapper. */
export function presentProfile(row: ProfileRow): ProfileDto {
  return { username: row.username, bio: row.bio, image: row.image, following: row.following };
}

/** The author of an article or comment, from the author fields of its row. */
export function presentAuthor(row: AuthorRow): ProfileDto {
  return {
    username: row.authorUsername,
    bio: row.authorBio,
    image: row.authorImage,
    following: row.authorFollowing,
  };
}
