// Read replicas through a real load balancer: a private primary and a streaming replica that applies WAL
// 500 ms late (recovery_min_apply_delay), haproxy in front of two Gather instances. Write-then-read sequences
// (post a comment, then read the comments; favorite or unfavorite, then read the article) through haproxy:
// - with read-your-writes (the reads carry the writer's token): 0 stale reads;
// - without it (the same reads sent anonymously, bound to no writer, which is what switching it off means to
//   a client): the stale count, which must be above 0 to prove the check can fail;
// - the replica stopped mid-run: 0 errors, its reads move to the primary, and back once it returns.
// The instances share the per-user positions through Redis when one answers (REDIS_URL or 127.0.0.1:6379);
// without Redis, the reads echo the Gather-Wal-Position header instead.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { WAL_POSITION_HEADER } from '../../src/http/read-your-writes.ts';
import { sleep } from '../harness/api-client.ts';
import { PRIMARY, readsByServer, replicaName } from '../harness/db-queries.ts';
import { createPrivatePostgres, postgresBinaries } from '../harness/private-postgres.ts';
import { freePort, startGather } from '../harness/server-process.ts';
import { scenarioEnv } from './scenario-env.ts';

export type ReplicasOptions = Readonly<{ sequences: number; clients: number }>;

const APPLY_DELAY_MS = 500;
const REPLICA = replicaName(1);

type Reply = { status: number; body: unknown; position: string | null };

async function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    position: response.headers.get(WAL_POSITION_HEADER),
  } satisfies Reply;
}

/** Redis on a database of its own (1–15), or undefined when none answers. */
async function redisUrl(): Promise<string | undefined> {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  url.pathname = `/${1 + Math.floor(Math.random() * 15)}`;
  const redis = new Redis(url.toString(), {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    await redis.flushdb();
    return url.toString();
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

export async function run(options: ReplicasOptions): Promise<boolean> {
  const bin = postgresBinaries();
  if (bin === undefined) {
    console.log('SKIP replicas: no PostgreSQL server binaries (initdb) under /usr/lib/postgresql');
    return true;
  }
  if (spawnSync('haproxy', ['-v']).error !== undefined) {
    console.log('SKIP replicas: no haproxy (apt-get install haproxy; .ci/run installs it)');
    return true;
  }
  const checks: [boolean, string][] = [];
  const check = (pass: boolean, text: string) => checks.push([pass, text]);
  const primary = await createPrivatePostgres(bin);
  const replica = await createPrivatePostgres(bin, { replicaOf: primary, applyDelayMs: APPLY_DELAY_MS });
  const folder = await mkdtemp(join(tmpdir(), 'gather-haproxy-'));
  const redis = await redisUrl();
  const env = scenarioEnv({
    DATABASE_URL: primary.url,
    DATABASE_REPLICA_URLS: replica.url,
    DB_POOL_MAX: '5',
    GATHER_METRICS: '1',
    TRUST_PROXY: '127.0.0.1',
    REDIS_URL: redis ?? '',
  });
  const a = await startGather({ env, args: ['--migrate'] });
  const b = await startGather({ env });
  const port = await freePort();
  await writeFile(
    join(folder, 'haproxy.cfg'),
    [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  option forwardfor',
      'frontend gather',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      `  server a 127.0.0.1:${a.port}`,
      `  server b 127.0.0.1:${b.port}`,
      '',
    ].join('\n'),
  );
  const haproxy = spawn('haproxy', ['-db', '-f', join(folder, 'haproxy.cfg')], { stdio: 'inherit' });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; (await send(base, 'GET', '/healthz', {}).catch(() => undefined))?.status !== 200; i++) {
      if (i > 50) throw new Error('haproxy does not answer');
      await sleep(100);
    }
    const instances = [a.url, b.url];
    console.log(
      `replicas: haproxy ${base} → Gather ${a.url}, ${b.url}; primary :${primary.port}, replica :${replica.port} ` +
        `(recovery_min_apply_delay ${APPLY_DELAY_MS} ms); positions ${redis === undefined ? 'echoed in the header (no Redis)' : `in ${redis}`}`,
    );

    /** `clients` writers, each with its own user and article, running `sequences` write-then-read pairs. */
    const phase = async (bound: boolean, during?: (done: () => number) => Promise<void>) => {
      let stale = 0;
      let errors = 0;
      let done = 0;
      const readsBefore = await readsByServer(instances);
      const client = async (id: number) => {
        const username = `replica${id}${bound ? 'on' : 'off'}${Date.now().toString(36)}`;
        const user = await send(
          base,
          'POST',
          '/api/users',
          {},
          {
            user: { username, email: `${username}@example.com`, password: 'password123' },
          },
        );
        const token = (user.body as { user: { token: string } }).user.token;
        const auth = { authorization: `Token ${token}` };
        const created = await send(base, 'POST', '/api/articles', auth, {
          article: { title: `${username} article`, description: 'd', body: 'b' },
        });
        const slug = (created.body as { article: { slug: string } }).article.slug;
        let favorited = false;
        let position = created.position;
        while (done < options.sequences) {
          const sequence = done++;
          const readHeaders = (): Record<string, string> =>
            !bound
              ? {}
              : redis !== undefined
                ? auth
                : position === null
                  ? {}
                  : { [WAL_POSITION_HEADER]: position };
          try {
            if (sequence % 2 === 0) {
              const body = `comment ${sequence}`;
              const posted = await send(base, 'POST', `/api/articles/${slug}/comments`, auth, {
                comment: { body },
              });
              if (posted.status !== 200) throw new Error(`comment: ${posted.status}`);
              position = posted.position ?? position;
              const read = await send(base, 'GET', `/api/articles/${slug}/comments`, readHeaders());
              // 404: a replica that has not replayed the article yet, a stale read too.
              if (read.status === 404) stale += 1;
              else if (read.status !== 200) throw new Error(`comments: ${read.status}`);
              const bodies = (read.body as { comments?: { body: string }[] }).comments?.map((c) => c.body);
              if (bodies !== undefined && !bodies.includes(body)) stale += 1;
            } else {
              const wrote = await send(
                base,
                favorited ? 'DELETE' : 'POST',
                `/api/articles/${slug}/favorite`,
                auth,
              );
              if (wrote.status !== 200) throw new Error(`favorite: ${wrote.status}`);
              favorited = !favorited;
              position = wrote.position ?? position;
              const read = await send(base, 'GET', `/api/articles/${slug}`, readHeaders());
              if (read.status === 404) stale += 1;
              else if (read.status !== 200) throw new Error(`article: ${read.status}`);
              const count = (read.body as { article?: { favoritesCount: number } }).article?.favoritesCount;
              if (count !== undefined && count !== (favorited ? 1 : 0)) stale += 1;
            }
          } catch (error) {
            errors += 1;
            if (errors <= 3) console.log(`  error: ${(error as Error).message}`);
          }
        }
      };
      await Promise.all([
        ...Array.from({ length: options.clients }, (_, id) => client(id)),
        during?.(() => done),
      ]);
      const readsAfter = await readsByServer(instances);
      const delta = (server: string) => (readsAfter.get(server) ?? 0) - (readsBefore.get(server) ?? 0);
      const onReplica = delta(REPLICA);
      const onPrimary = delta(PRIMARY);
      const share = onReplica / Math.max(1, onReplica + onPrimary);
      return { stale, errors, onReplica, onPrimary, share };
    };

    const on = await phase(true);
    console.log(
      `  read-your-writes on:  ${options.sequences} sequences, ${on.stale} stale, ${on.errors} errors; ` +
        `reads: ${on.onReplica} replica, ${on.onPrimary} primary (${(on.share * 100).toFixed(0)} % replica)`,
    );
    check(on.stale === 0 && on.errors === 0, 'read-your-writes on: 0 stale reads, 0 errors');
    const off = await phase(false);
    console.log(
      `  read-your-writes off: ${options.sequences} sequences, ${off.stale} stale, ${off.errors} errors; ` +
        `reads: ${off.onReplica} replica, ${off.onPrimary} primary (${(off.share * 100).toFixed(0)} % replica)`,
    );
    check(off.stale > 0, 'read-your-writes off: stale reads (> 0), which proves the check can fail');

    // The replica stopped a third of the way in, started again at two thirds.
    let duringStop = { onReplica: 0, onPrimary: 0 };
    const stopped = await phase(true, async (done) => {
      while (done() < options.sequences / 3) await sleep(10);
      await replica.stop();
      const before = await readsByServer(instances);
      while (done() < (2 * options.sequences) / 3) await sleep(10);
      const after = await readsByServer(instances);
      duringStop = {
        onReplica: (after.get(REPLICA) ?? 0) - (before.get(REPLICA) ?? 0),
        onPrimary: (after.get(PRIMARY) ?? 0) - (before.get(PRIMARY) ?? 0),
      };
      await replica.start();
    });
    console.log(
      `  replica stopped mid-run: ${stopped.stale} stale, ${stopped.errors} errors; while stopped: ` +
        `${duringStop.onReplica} replica reads, ${duringStop.onPrimary} primary reads`,
    );
    check(stopped.errors === 0 && stopped.stale === 0, 'replica stopped mid-run: 0 errors, 0 stale reads');
    check(
      duringStop.onReplica === 0 && duringStop.onPrimary > 0,
      'while it is stopped, reads go to the primary',
    );
    // Once it is back (re-checked every second): a reading public, as a blog mostly has.
    await sleep(1_500);
    const before = await readsByServer(instances);
    const paths = ['/api/articles?limit=10', '/api/tags', '/api/articles?limit=5&offset=5'];
    let readErrors = 0;
    await Promise.all(
      Array.from({ length: options.clients }, async (_, id) => {
        for (let i = id; i < options.sequences; i += options.clients) {
          const read = await send(base, 'GET', paths[i % paths.length]!, {}).catch(() => undefined);
          if (read?.status !== 200) readErrors += 1;
        }
      }),
    );
    const after = await readsByServer(instances);
    const onReplica = (after.get(REPLICA) ?? 0) - (before.get(REPLICA) ?? 0);
    const onPrimary = (after.get(PRIMARY) ?? 0) - (before.get(PRIMARY) ?? 0);
    const share = onReplica / Math.max(1, onReplica + onPrimary);
    console.log(
      `  after it returns, ${options.sequences} anonymous reads: ${onReplica} replica, ${onPrimary} primary ` +
        `(${(share * 100).toFixed(0)} % replica), ${readErrors} errors`,
    );
    check(readErrors === 0 && share >= 0.8, 'back on the replica: ≥ 80 % of reads served by it, 0 errors');
  } finally {
    haproxy.kill('SIGTERM');
    await Promise.all([a.stop(), b.stop()]);
    await replica.destroy();
    await primary.destroy();
    await rm(folder, { recursive: true, force: true });
  }
  for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} ${text}`);
  return checks.every(([pass]) => pass);
}
