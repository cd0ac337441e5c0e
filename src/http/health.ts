// /healthz: the process is up. /readyz: the database answers (a load balancer stops routing when not).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from '../db/client.ts';
import { unavailable } from './errors.ts';
import { errorResponses } from './schemas.ts';

const Status = Type.Object({ status: Type.String(), database: Type.Optional(Type.String()) });

export function healthRoutes(database: Database): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true, response: { 200: Status } } }, async () => ({
      status: 'ok',
    }));
    app.get(
      '/readyz',
      { schema: { hide: true, response: { 200: Status, ...errorResponses() } } },
      async () => {
        await database.ping().catch(() => {
          throw unavailable();
        });
        return { status: 'ready', database: database.kind };
      },
    );
  };
}
