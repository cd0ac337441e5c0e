import { type Dto, NullableString } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';

export const Profile = Type.Object(
  {
    username: Type.String(),
    bio: NullableString(),
    image: NullableString(),
    following: Type.Boolean(),
  },
  { $id: 'Profile' },
);

export const ProfileResponse = Type.Object(
  { profile: Type.Ref(Profile) },
  {
    $id: 'ProfileResponse',
    examples: [
      {
        profile: {
          username: 'jake',
          bio: 'I work at statefarm',
          image: 'https://api.realworld.io/images/smiley-cyrus.jpg',
          following: false,
        },
      },
    ],
  },
);

export const UsernameParams = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 100, description: 'Username of the profile' }),
});

/** The named models of this feature (app.addSchema; components.schemas in OpenAPI). */
export const PROFILE_MODELS = [Profile, ProfileResponse];

export type ProfileDto = Dto<typeof Profile>;
