// /healthz: the process is up. /readyz: the database answers — the primary, so the instance can serve writes
// (a load balancer stops routing when not). /readyz?reads=true: the instance can serve reads — the primary or a
// read replica within REPLICA_MAX_LAG_MS answers; with DATABASE_REPLICA_URLS, a balancer that routes on it keeps
// serving reads while the primary is down, and writes answer 503 with Retry-After (docs/scaling.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from '../db/database.ts';
import { unavailable } from './errors.ts';
import { errorResponses } from './schemas.ts';
import { Type } from './typebox.ts';

const Status = Type.Object({ status: Type.String(), database: Type.Optional(Type.String()) });
const ReadyQuery = Type.Object({ reads: Type.Optional(Type.Boolean()) });

export function healthRoutes(database: Database): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true, response: { 200: Status } } }, async () => ({
      status: 'ok',
    }));
    app.get(
      '/readyz',
      {
        schema: {
          hide: true,
          querystring: ReadyQuery,
          response: { 200: Status, ...errorResponses() },
        },
      },
      async (request) => {
        const answers = request.query.reads === true ? database.pingReads() : database.ping();
        await answers.catch(() => {
          throw unavailable();
        });
        return { status: 'ready', database: database.kind };
      },
    );
  };
}
