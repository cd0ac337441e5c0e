// User DTOs: input (NewUser, LoginUser, UpdateUser) and output (User). The password hash has no field here.
import { Type } from '@sinclair/typebox';
import { type Dto, NonBlank, NullableString } from '../../http/schemas.ts';

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, examples: ['jake@jake.jake'] });
const Username = Type.String({
  minLength: 1,
  maxLength: 40,
  pattern: '^[\\p{L}\\p{N}_.-]+$',
  description: 'Letters, digits, _ . and -',
  examples: ['jake'],
});
const Password = Type.String({ minLength: 8, maxLength: 256, format: 'password', examples: ['jakejake'] });
const Bio = NullableString({ maxLength: 2_000, examples: ['I work at statefarm'] });
const Image = NullableString({ maxLength: 2_000, examples: ['https://i.stack.imgur.com/xHWG8.jpg'] });

export const NewUserBody = Type.Object(
  { user: Type.Object({ username: Username, email: Email, password: Password }) },
  { examples: [{ user: { username: 'jake', email: 'jake@jake.jake', password: 'jakejake' } }] },
);

export const LoginBody = Type.Object(
  { user: Type.Object({ email: Email, password: NonBlank(256, { format: 'password' }) }) },
  { examples: [{ user: { email: 'jake@jake.jake', password: 'jakejake' } }] },
);

export const UpdateUserBody = Type.Object(
  {
    user: Type.Object(
      {
        email: Type.Optional(Email),
        username: Type.Optional(Username),
        password: Type.Optional(Password),
        bio: Type.Optional(Bio),
        image: Type.Optional(Image),
      },
      { minProperties: 1 },
    ),
  },
  { examples: [{ user: { bio: 'I like to skateboard', image: 'https://i.stack.imgur.com/xHWG8.jpg' } }] },
);

export const User = Type.Object(
  {
    email: Type.String(),
    token: Type.String(),
    username: Type.String(),
    bio: NullableString(),
    image: NullableString(),
  },
  { $id: 'User' },
);

export const UserResponse = Type.Object(
  { user: Type.Ref(User) },
  {
    examples: [
      {
        user: { email: 'jake@jake.jake', token: 'jwt.token.here', username: 'jake', bio: null, image: null },
      },
    ],
  },
);

export type UserDto = Dto<typeof User>;
export type NewUserInput = Dto<typeof NewUserBody>['user'];
export type UpdateUserInput = Dto<typeof UpdateUserBody>['user'];
