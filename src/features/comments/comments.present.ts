import { presentAuthor } from '../profiles/profiles.present.ts';
import type { CommentRow } from './comments.queries.ts';
import type { CommentDto } from './comments.schemas.ts';

/** The one row → Comment DTO mapper. */
export function presentComment(row: CommentRow): CommentDto {
  return {
    id: row.id,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    body: row.body,
    author: presentAuthor(row),
  };
}
