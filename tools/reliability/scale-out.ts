// Scale-out: two Gather instances on one PostgreSQL database and one Redis. Both start at once with
// --migrate (the migrations must run once), a write on one is read on the other, and the failed logins of
// one account are counted on both instances together.
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import { HISTORY_TABLE } from '../../src/db/migrate/plan.ts';
import { RATE_LIMIT_NAMESPACE } from '../../src/http/security.ts';
import { api } from '../harness/api-client.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { startGather } from '../harness/server-process.ts';
import { SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

/** Failed logins per account and window (LOGIN_FAILURES_PER_ACCOUNT). */
const LOGIN_LIMIT = 5;

/** A Redis database of its own (1–15) on the shared server, so that other users' counters stay apart. */
function redisUrl(): string {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  url.pathname = `/${1 + Math.floor(Math.random() * 15)}`;
  return url.toString();
}

async function deleteCounters(redis: Redis): Promise<void> {
  const keys = await redis.keys(`${RATE_LIMIT_NAMESPACE}*`);
  if (keys.length > 0) await redis.del(...keys);
}

export async function run(): Promise<boolean> {
  const url = redisUrl();
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
  } catch {
    redis.disconnect();
    console.log(`SKIP scale-out: no Redis at ${url} (set REDIS_URL)`);
    return true;
  }
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_scale');
  const checks: [boolean, string][] = [];
  const check = (pass: boolean, text: string) => checks.push([pass, text]);
  try {
    await deleteCounters(redis);
    const env = scenarioEnv({
      DATABASE_URL: database.url,
      REDIS_URL: url,
      LOGIN_FAILURES_PER_ACCOUNT: `${LOGIN_LIMIT}/15m`,
    });
    // Both at once, both asked to migrate: the advisory lock lets one apply, the other find nothing to do.
    // One that fails to start must not leave the other running (its pipes would keep this process alive).
    const started = await Promise.allSettled([
      startGather({ env, args: ['--migrate'] }),
      startGather({ env, args: ['--migrate'] }),
    ]);
    const [a, b] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
    if (a === undefined || b === undefined) {
      await Promise.all([a?.stop(), b?.stop()]);
      throw started.find((result) => result.status === 'rejected')?.reason;
    }
    try {
      console.log(`scale-out: instances A ${a.url} and B ${b.url} on one PostgreSQL database and ${url}`);
      const applied = (a.output() + b.output()).match(/applied migration/g)?.length ?? 0;
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const history = (await client.query(`select count(*)::int as n from ${HISTORY_TABLE}`)).rows[0].n;
      await client.end();
      const migrations = (await loadMigrations()).length;
      console.log(
        `  migrations   ${migrations} in the project; "applied" printed ${applied} time(s); history rows ${history}`,
      );
      check(applied === migrations && history === migrations, 'migrations ran once for two instances');

      const username = `scale${Date.now().toString(36)}`;
      const user = { username, email: `${username}@example.com`, password: 'password123' };
      const registered = await api(a.url, 'POST', '/api/users', { body: { user } });
      const login = await api(b.url, 'POST', '/api/users/login', {
        body: { user: { email: user.email, password: user.password } },
      });
      check(registered.status === 201 && login.status === 200, 'registered on A, logged in on B');
      const token = (login.body as { user: { token: string } }).user.token;
      const created = await api(a.url, 'POST', '/api/articles', {
        token,
        body: { article: { title: 'Written on A', description: 'd', body: 'b' } },
      });
      const slug = (created.body as { article: { slug: string } }).article.slug;
      const readOnB = await api(b.url, 'GET', `/api/articles/${slug}`);
      check(readOnB.status === 200, `article written on A (${created.status}) read on B (${readOnB.status})`);
      await api(b.url, 'POST', `/api/articles/${slug}/favorite`, { token });
      const readOnA = await api(a.url, 'GET', `/api/articles/${slug}`, { token });
      const article = (readOnA.body as { article: { favorited: boolean; favoritesCount: number } }).article;
      check(article.favorited && article.favoritesCount === 1, 'favorite written on B read on A');

      // The successful login on B is not counted. Wrong passwords, alternating instances.
      const attempts: string[] = [];
      for (let i = 0; i < LOGIN_LIMIT + 1; i++) {
        const instance = i % 2 === 0 ? a : b;
        const answer = await api(instance.url, 'POST', '/api/users/login', {
          body: { user: { email: user.email, password: 'wrong-password' } },
        });
        attempts.push(`${instance === a ? 'A' : 'B'}:${answer.status}`);
      }
      console.log(
        `  logins       ok on B, then ${attempts.join(' ')} (limit ${LOGIN_LIMIT} failures per account and window)`,
      );
      const refused = attempts.findIndex((attempt) => attempt.endsWith(':429'));
      check(refused === LOGIN_LIMIT, `the ${LOGIN_LIMIT + 1}th failed login across both instances got 429`);
      // The right password now gets the same 429 on either instance: the refusal tells nothing.
      const right = { body: { user: { email: user.email, password: user.password } } };
      const [rightOnA, rightOnB] = [
        await api(a.url, 'POST', '/api/users/login', right),
        await api(b.url, 'POST', '/api/users/login', right),
      ];
      console.log(`  then         the right password: A:${rightOnA.status} B:${rightOnB.status}`);
      check(
        rightOnA.status === 429 && rightOnB.status === 429,
        'the locked account refuses its right password too, on both instances',
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  } finally {
    await deleteCounters(redis).catch(() => undefined);
    redis.disconnect();
    await database.drop();
  }
  for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} scale-out: ${text}`);
  return checks.every(([pass]) => pass);
}
