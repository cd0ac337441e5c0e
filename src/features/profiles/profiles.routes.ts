// GET /profiles/:username, POST and DELETE /profiles/:username/follow.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentUserId } from '../../http/auth.ts';
import { invalid, notFound } from '../../http/errors.ts';
import { errorResponses } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import type { Deps } from '../deps.ts';
import type { Feature } from '../feature.ts';
import { presentProfile } from './profiles.present.ts';
import { PROFILE_MODELS, ProfileResponse, UsernameParams } from './profiles.schemas.ts';

const TAG = 'Profile';

export function profilesRoutes({ queries: { profiles: queries } }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/profiles/:username', {
      config: { auth: 'optional' },
      schema: {
        tags: [TAG],
        operationId: 'GetProfileByUsername',
        summary: 'Get a profile',
        params: UsernameParams,
        response: { 200: Type.Ref(ProfileResponse), ...errorResponses(404) },
      },
      handler: async (request) => {
        const row = await queries.byUsername(request.params.username, request.viewerId);
        if (row === undefined) throw notFound('profile');
        return { profile: presentProfile(row) };
      },
    });

    app.post('/profiles/:username/follow', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'FollowUserByUsername',
        summary: 'Follow a user',
        params: UsernameParams,
        response: { 200: Type.Ref(ProfileResponse), ...errorResponses(404) },
      },
      handler: async (request) => {
        const viewerId = currentUserId(request);
        const row = await queries.follow(viewerId, request.params.username);
        if (row === undefined) throw notFound('profile');
        if (row.id === viewerId) throw invalid('you cannot follow yourself');
        return { profile: presentProfile(row) };
      },
    });

    app.delete('/profiles/:username/follow', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'UnfollowUserByUsername',
        summary: 'Unfollow a user',
        params: UsernameParams,
        response: { 200: Type.Ref(ProfileResponse), ...errorResponses(404) },
      },
      handler: async (request) => {
        const row = await queries.unfollow(currentUserId(request), request.params.username);
        if (row === undefined) throw notFound('profile');
        return { profile: presentProfile(row) };
      },
    });
  };
}

export const profilesFeature: Feature = {
  routes: profilesRoutes,
  models: PROFILE_MODELS,
  bulkhead: 'profiles',
  tags: [{ name: TAG, description: 'Profiles and following' }],
};
