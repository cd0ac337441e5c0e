// User DTOs, named as in RealWorld: input (NewUser, LoginUser, UpdateUser, each wrapped in its …Request) and
// output (User, wrapped in UserResponse). The password hash has no field here.

import { type Dto, NonBlank, NullableString } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';

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

export const NewUser = Type.Object(
  { username: Username, email: Email, password: Password },
  { $id: 'NewUser' },
);
export const NewUserRequest = Type.Object(
  { user: Type.Ref(NewUser) },
  {
    $id: 'NewUserRequest',
    examples: [{ user: { username: 'jake', email: 'jake@jake.jake', password: 'jakejake' } }],
  },
);

export const LoginUser = Type.Object(
  { email: Email, password: NonBlank(256, { format: 'password' }) },
  { $id: 'LoginUser' },
);
export const LoginUserRequest = Type.Object(
  { user: Type.Ref(LoginUser) },
  { $id: 'LoginUserRequest', examples: [{ user: { email: 'jake@jake.jake', password: 'jakejake' } }] },
);

export const UpdateUser = Type.Object(
  {
    email: Type.Optional(Email),
    username: Type.Optional(Username),
    password: Type.Optional(Password),
    bio: Type.Optional(Bio),
    image: Type.Optional(Image),
  },
  { $id: 'UpdateUser', minProperties: 1 },
);
export const UpdateUserRequest = Type.Object(
  { user: Type.Ref(UpdateUser) },
  {
    $id: 'UpdateUserRequest',
    examples: [{ user: { bio: 'I like to skateboard', image: 'https://i.stack.imgur.com/xHWG8.jpg' } }],
  },
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
    $id: 'UserResponse',
    examples: [
      {
        user: { email: 'jake@jake.jake', token: 'jwt.token.here', username: 'jake', bio: null, image: null },
      },
    ],
  },
);

/** The named models of this feature (app.addSchema; components.schemas in OpenAPI). */
export const USER_MODELS = [
  NewUser,
  NewUserRequest,
  LoginUser,
  LoginUserRequest,
  UpdateUser,
  UpdateUserRequest,
  User,
  UserResponse,
];

export type UserDto = Dto<typeof User>;
export type NewUserInput = Dto<typeof NewUser>;
export type UpdateUserInput = Dto<typeof UpdateUser>;
