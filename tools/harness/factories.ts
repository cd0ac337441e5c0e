// Shared factories and a small request helper over app.inject().
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

// biome-ignore lint/suspicious/noExplicitAny: tests read parsed JSON bodies field by field and assert on them.
export type Response = { status: number; body: any; headers: Record<string, unknown> };

export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const response = await app.inject({
    method,
    url,
    headers: {
      ...(options.token !== undefined && { authorization: `Token ${options.token}` }),
      ...options.headers,
    },
    ...(options.body !== undefined && { payload: options.body as object }),
  });
  const text = response.body;
  return {
    status: response.statusCode,
    body: text === '' ? undefined : JSON.parse(text),
    headers: response.headers,
  };
}

let counter = 0;
export function uniqueName(prefix = 'user'): string {
  counter += 1;
  return `${prefix}${counter}_${randomBytes(3).toString('hex')}`;
}

export type TestUser = { username: string; email: string; password: string; token: string };

export async function registerUser(
  app: FastifyInstance,
  overrides: Partial<TestUser> = {},
): Promise<TestUser> {
  const username = overrides.username ?? uniqueName();
  const user = {
    username,
    email: overrides.email ?? `${username}@example.com`,
    password: overrides.password ?? 'password123',
  };
  const response = await call(app, 'POST', '/api/users', { body: { user } });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { ...user, token: response.body.user.token };
}

export async function createArticle(
  app: FastifyInstance,
  token: string,
  article: Partial<{ title: string; description: string; body: string; tagList: string[] }> = {},
  // biome-ignore lint/suspicious/noExplicitAny: the parsed Article DTO, asserted on by the tests.
): Promise<any> {
  const response = await call(app, 'POST', '/api/articles', {
    token,
    body: {
      article: { title: uniqueName('Title '), description: 'A description', body: 'The body', ...article },
    },
  });
  if (response.status !== 201)
    throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.article;
}

/**
 * Checks `token`'s session right before a request whose round trips are counted or drawn, so that they are the
 * steady state's: the session check reads the database once a second per user (src/features/users/sessions.ts).
 */
export async function checkSession(app: FastifyInstance, token: string): Promise<void> {
  const response = await app.inject({
    method: 'GET',
    url: '/api/user',
    headers: { authorization: `Token ${token}` },
  });
  if (response.statusCode !== 200)
    throw new Error(`GET /api/user answered ${response.statusCode}: ${response.body}`);
}
