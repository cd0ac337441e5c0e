import { type Dto, NonBlank, SlugParams, Timestamp } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import { Profile } from '../profiles/profiles.schemas.ts';

export const NewComment = Type.Object(
  { body: NonBlank(20_000, { examples: ['His name was my name too.'] }) },
  { $id: 'NewComment' },
);
export const NewCommentRequest = Type.Object(
  { comment: Type.Ref(NewComment) },
  { $id: 'NewCommentRequest', examples: [{ comment: { body: 'His name was my name too.' } }] },
);

export const Comment = Type.Object(
  {
    id: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    body: Type.String(),
    author: Type.Ref(Profile),
  },
  { $id: 'Comment' },
);

export const SingleCommentResponse = Type.Object(
  { comment: Type.Ref(Comment) },
  { $id: 'SingleCommentResponse' },
);
export const MultipleCommentsResponse = Type.Object(
  { comments: Type.Array(Type.Ref(Comment)) },
  { $id: 'MultipleCommentsResponse' },
);

/** The named models of this feature (app.addSchema; components.schemas in OpenAPI). */
export const COMMENT_MODELS = [
  NewComment,
  NewCommentRequest,
  Comment,
  SingleCommentResponse,
  MultipleCommentsResponse,
];

export const CommentParams = Type.Composite([
  SlugParams,
  Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'ID of the comment' }) }),
]);

export type CommentDto = Dto<typeof Comment>;
