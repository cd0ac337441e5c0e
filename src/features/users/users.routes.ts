// POST /users, POST /users/login, GET /user, PUT /user.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentUserId } from '../../http/auth.ts';
import { invalid, taken, unauthorized } from '../../http/errors.ts';
import { errorResponses } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import type { Deps } from '../deps.ts';
import type { Feature } from '../feature.ts';
import { presentUser } from './users.present.ts';
import {
  LoginUserRequest,
  NewUserRequest,
  UpdateUserRequest,
  USER_MODELS,
  UserResponse,
} from './users.schemas.ts';

const TAG = 'User and Authentication';

/** A login's 200: the device cookie, documented, and the RealWorld body. */
const LoginResponse = Type.Ref(UserResponse, {
  description: 'The signed-in user and a token',
  headers: {
    'set-cookie': Type.String({
      description:
        'Gather extension (OWASP device cookie): this device signed in to this account. Sent back to login, ' +
        'it is judged by its own failed logins only, so guesses from elsewhere never lock it out',
      examples: ['gather_device=…; Max-Age=7776000; Path=/api/users/login; HttpOnly; SameSite=Strict'],
    }),
  },
});

/** Register and log in: the two ways to a token. */
function signInRoutes({
  queries: { users: queries },
  passwords,
  tokens,
  registrationLimit,
  loginThrottle,
}: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/users', {
      config: { rateLimit: registrationLimit },
      schema: {
        tags: [TAG],
        operationId: 'CreateUser',
        summary: 'Register a new user',
        body: Type.Ref(NewUserRequest),
        response: { 201: Type.Ref(UserResponse), ...errorResponses(413, 415, 429) },
      },
      handler: async (request, reply) => {
        const { username, email, password } = request.body.user;
        const row = await queries.insert({ username, email, passwordHash: await passwords.hash(password) });
        if (row === undefined) {
          const fields = await queries.takenFields(username, email);
          throw fields.length > 0
            ? invalid(...fields.map((f) => `${f} has already been taken`))
            : taken('user');
        }
        // Signed in from here (the token below): read-your-writes keeps this write's position for the user.
        request.viewerId = row.id;
        return reply
          .status(201)
          .send({ user: presentUser(row, tokens.sign(row.id, row.credentialsVersion)) });
      },
    });

    app.post('/users/login', {
      schema: {
        tags: [TAG],
        operationId: 'Login',
        summary: 'Existing user login',
        body: Type.Ref(LoginUserRequest),
        response: { 200: LoginResponse, ...errorResponses(401, 413, 415, 429) },
      },
      handler: async (request, reply) => {
        const { email, password } = request.body.user;
        passwords.ensureCapacity();
        // Failed logins are limited per account and per address (429 before any of this runs).
        const row = await loginThrottle.attempt(request, reply, email, async () => {
          const found = await queries.byEmail(email);
          // An unknown email is checked against a decoy: a miss costs as long as a hit.
          const valid = await passwords.verify(password, found?.passwordHash);
          return valid ? found : undefined;
        });
        if (row === undefined) throw unauthorized('email or password is invalid');
        return { user: presentUser(row, tokens.sign(row.id, row.credentialsVersion)) };
      },
    });
  };
}

/** The signed-in user: read and update (a new password or email ends the other sessions). */
function currentUserRoutes({
  queries: { users: queries },
  passwords,
  tokens,
  sessions,
}: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/user', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'GetCurrentUser',
        summary: 'Get current user',
        response: { 200: Type.Ref(UserResponse), ...errorResponses() },
      },
      handler: async (request) => {
        const row = await queries.byId(currentUserId(request));
        if (row === undefined) throw unauthorized('the user of this token no longer exists');
        return { user: presentUser(row, tokens.sign(row.id, row.credentialsVersion)) };
      },
    });

    app.put('/user', {
      config: { auth: 'required' },
      schema: {
        tags: [TAG],
        operationId: 'UpdateCurrentUser',
        summary: 'Update current user',
        body: Type.Ref(UpdateUserRequest),
        response: { 200: Type.Ref(UserResponse), ...errorResponses(413, 415) },
      },
      handler: async (request) => {
        const { password, image, ...rest } = request.body.user;
        const row = await queries.update(currentUserId(request), {
          ...rest,
          ...(image !== undefined && { image: image === '' ? null : image }),
          ...(password !== undefined && { passwordHash: await passwords.hash(password) }),
        });
        if (row === undefined) throw unauthorized('the user of this token no longer exists');
        // A new password or email ends the other sessions; this response carries the one that goes on.
        sessions.changed(row.id, row.credentialsVersion);
        return { user: presentUser(row, tokens.sign(row.id, row.credentialsVersion)) };
      },
    });
  };
}

export const usersFeature: Feature = {
  routes: (deps) => async (app) => {
    await app.register(signInRoutes(deps));
    await app.register(currentUserRoutes(deps));
  },
  models: USER_MODELS,
  bulkhead: 'users',
  tags: [{ name: TAG, description: 'Register, log in, read and update yourself' }],
};
