import type { ProfileDto } from './profiles.schemas.ts';

/** The columns every query that shows a profile selects (an article's or comment's author too). */
export type ProfileRow = {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
};

/** The one row → Profile DTO mapper. */
export function presentProfile(row: ProfileRow): ProfileDto {
  return { username: row.username, bio: row.bio, image: row.image, following: row.following };
}
