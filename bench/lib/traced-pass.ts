// The traced pass: before the load, every case is sent once to an in-process Gather on the same database
// with tracing on, and its database round trips are counted from the per-request query recorder (the same
// trace store /_gather/traces shows). It also logs the bench users in and finds the newest article's slug.
import type { FastifyInstance } from 'fastify';
import { bootGather } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { SEED_PASSWORD, tagNameOf, usernameOf } from '../../src/seed/dataset.ts';
import { querySpans } from '../../src/tracing/recorder.ts';
import { TraceStore } from '../../src/tracing/trace-store.ts';
import { checkSession } from '../../tools/harness/factories.ts';
import { type BenchCase, benchCases, type Fixture } from './cases.ts';

export type TracedCase = Readonly<{
  case: BenchCase;
  status: number;
  roundTrips: number;
  /** List cases: round trips at limit=1 and limit=100 (must be equal: no per-row queries). */
  pageSizeProbe?: Readonly<{ small: number; large: number }>;
}>;

export type TracedPass = Readonly<{ fixture: Fixture; cases: TracedCase[] }>;

type Traced = { status: number; body: string; roundTrips: number };

/** A case's round trips in the steady state (a signed-in user's session checked just before). */
async function traced(
  app: FastifyInstance,
  store: TraceStore,
  c: Pick<BenchCase, 'method' | 'path' | 'token' | 'body'>,
): Promise<Traced> {
  if (c.token !== undefined) await checkSession(app, c.token);
  const response = await app.inject({
    method: c.method,
    url: c.path,
    headers: {
      ...(c.token !== undefined && { authorization: `Token ${c.token}` }),
      ...(c.body !== undefined && { 'content-type': 'application/json' }),
    },
    // autocannon replaces [<id>] per request; here one fresh value per pass is enough.
    ...(c.body !== undefined && { payload: c.body.replaceAll('[<id>]', `traced-${Date.now()}`) }),
  });
  const trace = store.get(String(response.headers['x-trace-id']));
  if (trace === undefined) throw new Error(`${c.method} ${c.path}: the request was not traced`);
  return { status: response.statusCode, body: response.body, roundTrips: querySpans(trace).length };
}

async function login(app: FastifyInstance, userId: number): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/users/login',
    payload: { user: { email: `${usernameOf(userId)}@example.com`, password: SEED_PASSWORD } },
  });
  if (response.statusCode !== 200) throw new Error(`login of seeded user ${userId}: ${response.body}`);
  return (JSON.parse(response.body) as { user: { token: string } }).user.token;
}

/**
 * Runs the traced pass on the seeded database that `dataEnv` points to (DATABASE_URL, GATHER_DATA_DIR); its
 * tokens are signed with `jwtSecret`. The app and its database are closed before it returns.
 */
export async function tracedPass(
  dataEnv: Readonly<Record<string, string>>,
  jwtSecret: string,
): Promise<TracedPass> {
  const store = new TraceStore(100);
  const gather = await bootGather({
    config: loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      GATHER_TRACE: '1',
      JWT_SECRET: jwtSecret,
      ...dataEnv,
    }),
    // Seeded, so migrated, just before: the pass reads the data as the load will find it.
    migrations: 'untouched',
    holder: 'gather bench http (traced pass)',
    poolMax: 4,
    traces: store,
  });
  const { app } = gather;
  try {
    // User 1 writes and follows the most (the seed skews towards low ids); user 2 does the writes.
    const readerToken = await login(app, 1);
    const writerToken = await login(app, 2);
    const newest = await traced(app, store, { method: 'GET', path: '/api/articles?limit=1' });
    const slug = (JSON.parse(newest.body) as { articles: { slug: string }[] }).articles[0]?.slug;
    if (slug === undefined) throw new Error('the seeded database has no articles');
    const fixture: Fixture = { slug, tag: tagNameOf(1), author: usernameOf(1), readerToken, writerToken };

    const cases: TracedCase[] = [];
    for (const c of benchCases(fixture)) {
      const { status, roundTrips } = await traced(app, store, c);
      if (!c.path.includes('limit=20')) {
        cases.push({ case: c, status, roundTrips });
        continue;
      }
      const atLimit = async (limit: number) =>
        (await traced(app, store, { ...c, path: c.path.replace('limit=20', `limit=${limit}`) })).roundTrips;
      cases.push({
        case: c,
        status,
        roundTrips,
        pageSizeProbe: { small: await atLimit(1), large: await atLimit(100) },
      });
    }
    return { fixture, cases };
  } finally {
    await gather.close();
  }
}
