// A feature declares in one place what the app needs of it: its routes, the named models they refer to, the
// bulkhead (group of tables) they draw on, and its OpenAPI tags. app.ts lists the features and does the rest.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import type { ApiTag } from '../http/openapi.ts';
import type { Deps } from './deps.ts';

export type Feature = Readonly<{
  /** Its routes, under /api. */
  routes: (deps: Deps) => FastifyPluginAsyncTypebox;
  /** The models its routes refer to by $ref (RealWorld's names), listed in OpenAPI's components. */
  models: readonly TSchema[];
  /** The share of the pool its routes draw on: features that read the same tables share one. */
  bulkhead: 'users' | 'profiles' | 'articles' | 'tags';
  /** The OpenAPI tags of its operations, in the order Swagger UI shows them. */
  tags: readonly ApiTag[];
}>;
