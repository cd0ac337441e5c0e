import type { UserRow } from './users.queries.ts';
import type { UserDto } from './users.schemas.ts';

/** The one row → User DTO mapper. */
export function presentUser(row: UserRow, token: string): UserDto {
  return { email: row.email, token, username: row.username, bio: row.bio, image: row.image };
}
