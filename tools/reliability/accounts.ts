// Accounts: what a hostile visitor tried against the default settings, run against two real instances behind
// haproxy with their counters in one Redis (docs/reliability.md, "Abuse controls" and "Sessions end when
// credentials change"), then a stuck table under 60 article readers (the stuck-lock scenario):
// 1. thirty wrong passwords for one account from one address, then the owner's right one from another: 200;
//    guesses from a hundred addresses reach the account's ceiling: unknown devices get 429, the owner's device
//    (its cookie) signs in;
// 2. a password change: every token signed before it gets 401 on both instances within a second, the new one
//    is accepted on both;
// 3. with articles locked and 60 clients reading them, tags and profiles answer 200 within 2 × their p99.
import { type AnswerFrom, apiFrom, sleep } from '../harness/api-client.ts';
import { haproxyInstalled, startBalancer } from '../harness/balancer.ts';
import { privateRedis } from '../harness/private-redis.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { type ServerProcess, startGather } from '../harness/server-process.ts';
import { SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';
import { run as stuckLock } from './stuck-lock.ts';

export type AccountsOptions = { holdSeconds: number; articleReaders: number };

/** Gather's defaults (README), which the scenario's other clients would otherwise raise. */
const DEFAULT_LOGIN_LIMITS = {
  LOGIN_FAILURES_PER_ACCOUNT: '100/1h',
  LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: '10/15m',
  LOGIN_FAILURES_PER_ADDRESS: '100/15m',
};
const CEILING = 100;
/** How long the scenario waits for the instance that did not see a change to refuse an older token. */
const REFUSED_WITHIN_MS = 1_000;

type Check = [boolean, string];

const tally = (statuses: readonly number[]) => {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status}×${n}`).join(' ');
};

/** Milliseconds until `instance` answers GET /api/user with `token` by `status`; Infinity past `withinMs`. */
async function msUntil(instance: ServerProcess, token: string, status: number, withinMs: number) {
  const started = performance.now();
  while (performance.now() - started <= withinMs + 500) {
    const answer = await apiFrom('127.0.0.1', instance.url, 'GET', '/api/user', { token });
    if (answer.status === status) return performance.now() - started;
    await sleep(20);
  }
  return Number.POSITIVE_INFINITY;
}

async function lockouts(base: string): Promise<Check[]> {
  const login = (from: string, email: string, password: string, cookie?: string) =>
    apiFrom(from, base, 'POST', '/api/users/login', {
      body: { user: { email, password } },
      ...(cookie !== undefined && { headers: { cookie } }),
    });
  const owner = { username: `owner${Date.now().toString(36)}`, password: 'the-owners-password' };
  const email = `${owner.username}@example.com`;
  const registered = await apiFrom('127.0.0.1', base, 'POST', '/api/users', {
    body: { user: { ...owner, email } },
  });
  if (registered.status !== 201) throw new Error(`registering the owner: ${registered.status}`);
  const signedIn = await login('127.0.0.1', email, owner.password);
  const device = signedIn.setCookie?.split(';')[0];

  const fromOne: number[] = [];
  for (let i = 0; i < 30; i++) fromOne.push((await login('127.0.0.2', email, 'a-guess')).status);
  const ownerElsewhere = await login('127.0.0.3', email, owner.password);
  // A hundred more addresses, a guess each: 10 of the ceiling's 100 were spent from 127.0.0.2.
  const fromMany: number[] = [];
  for (let i = 1; i <= CEILING; i++) fromMany.push((await login(`127.0.1.${i}`, email, 'a-guess')).status);
  const ownerNewDevice = await login('127.0.2.1', email, owner.password);
  const ownerDevice: AnswerFrom[] = [];
  for (const from of ['127.0.0.1', '127.0.2.2'])
    ownerDevice.push(await login(from, email, owner.password, device));

  console.log(`  one address     30 wrong passwords from 127.0.0.2: ${tally(fromOne)}`);
  console.log(`                  then the owner's from 127.0.0.3: ${ownerElsewhere.status}`);
  console.log(`  many addresses  a wrong password from each of ${CEILING} more: ${tally(fromMany)}`);
  console.log(
    `                  then the owner's from a new device ${ownerNewDevice.status} ` +
      `(Retry-After ${ownerNewDevice.retryAfter} s); with its device cookie ${ownerDevice.map((a) => a.status).join(', ')}`,
  );
  return [
    [
      fromOne.slice(0, 10).every((s) => s === 401) && fromOne.slice(10).every((s) => s === 429),
      'one address: 10 wrong passwords answered 401, the next 20 got 429',
    ],
    [ownerElsewhere.status === 200, 'the owner signed in from another address (was 429 for 15 minutes)'],
    [
      fromMany.filter((s) => s === 401).length === CEILING - 10 && fromMany.at(-1) === 429,
      `many addresses: the account's ceiling (${CEILING} an hour from unknown devices) refused the guesses past it`,
    ],
    [
      device !== undefined && ownerNewDevice.status === 429 && ownerDevice.every((a) => a.status === 200),
      "past the ceiling the owner's known device signed in, from its address and another",
    ],
  ];
}

async function sessions(base: string, instances: readonly ServerProcess[]): Promise<Check[]> {
  const username = `mover${Date.now().toString(36)}`;
  const user = { username, email: `${username}@example.com`, password: 'the-first-password' };
  const registered = await apiFrom('127.0.0.1', base, 'POST', '/api/users', { body: { user } });
  const first = (registered.body as { user: { token: string } }).user.token;
  const login = await apiFrom('127.0.0.4', base, 'POST', '/api/users/login', {
    body: { user: { email: user.email, password: user.password } },
  });
  const second = (login.body as { user: { token: string } }).user.token;
  // Both instances know the version: each has accepted the old tokens.
  for (const instance of instances) {
    for (const token of [first, second]) await msUntil(instance, token, 200, 0);
  }
  const changed = await apiFrom('127.0.0.1', base, 'PUT', '/api/user', {
    token: first,
    body: { user: { password: 'the-second-password' } },
  });
  const fresh = (changed.body as { user: { token: string } }).user.token;
  const refusedAfter = await Promise.all(
    instances.flatMap((instance) =>
      [first, second].map((token) => msUntil(instance, token, 401, REFUSED_WITHIN_MS)),
    ),
  );
  const accepted = await Promise.all(instances.map((instance) => msUntil(instance, fresh, 200, 0)));
  const slowest = Math.max(...refusedAfter);
  console.log(
    `  password change PUT ${changed.status}; the two older tokens refused on both instances after ` +
      `${refusedAfter.map((ms) => ms.toFixed(0)).join(', ')} ms; the new one accepted on both: ${accepted.every(Number.isFinite)}`,
  );
  return [
    [
      changed.status === 200 && slowest <= REFUSED_WITHIN_MS,
      `after a password change, every older token got 401 on both instances within ${slowest.toFixed(0)} ms ≤ ${REFUSED_WITHIN_MS} ms`,
    ],
    [accepted.every(Number.isFinite), "the change's own token is accepted on both instances"],
  ];
}

export async function run(options: AccountsOptions): Promise<boolean> {
  if (!haproxyInstalled()) {
    console.log('FAIL accounts: no haproxy (apt-get install haproxy; .ci/run installs it)');
    return false;
  }
  const redis = await privateRedis();
  if (redis === undefined) {
    console.log('FAIL accounts: no Redis at REDIS_URL or 127.0.0.1:6379');
    return false;
  }
  await redis.redis.flushdb();
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_accounts');
  const env = scenarioEnv({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    TRUST_PROXY: '127.0.0.1',
    ...DEFAULT_LOGIN_LIMITS,
  });
  const checks: Check[] = [];
  try {
    const a = await startGather({ env, args: ['--migrate'] });
    const b = await startGather({ env }).catch(async (error: unknown) => {
      await a.stop();
      throw error;
    });
    const balancer = await startBalancer([a, b], '/readyz');
    try {
      console.log(`accounts: haproxy ${balancer.url} → Gather ${a.url}, ${b.url}; counters in ${redis.url}`);
      checks.push(...(await lockouts(balancer.url)), ...(await sessions(balancer.url, [a, b])));
    } finally {
      await balancer.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  } finally {
    await database.drop();
    await redis.redis.flushdb().finally(() => redis.redis.disconnect());
  }
  for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} accounts: ${text}`);
  const locked = await stuckLock(options);
  return checks.every(([pass]) => pass) && locked;
}
