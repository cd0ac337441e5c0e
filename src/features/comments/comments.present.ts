import { presentProfile } from '../profiles/profiles.present.ts';
import type { CommentRow } from './comments.queries.ts';
import type { CommentDto } from './comments.schemas.ts';

/** The one row → Comment DTO mapper. */
export function presentComment(row: CommentRow): CommentDto {
  return {
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    body: row.body,
    author: presentProfile({
      username: row.authorUsername,
      bio: row.authorBio,
      image: row.authorImage,
      following: row.authorFollowing,
    }),
  };
}
