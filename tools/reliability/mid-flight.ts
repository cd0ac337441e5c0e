// Faults in mid-flight, on a PostgreSQL that Gather reaches through a delaying proxy. First every one of
// Gather's connections is killed (pg_terminate_backend) every 200 ms under 16 writers: no acknowledged write
// may be lost, no answer may be a 500 (a request whose connection died gets 503). Then the database is slowed
// by +200 ms per round trip for a while: deadlines hold (every answer within the request's deadline plus one
// statement, 503 past it), nothing hangs, and everything is served again within 1 s of the slowdown's end.
import pg from 'pg';
import { signUp, sleep, startWriteLoad } from '../harness/api-client.ts';
import { startDelayProxy } from '../harness/delay-proxy.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { startGather } from '../harness/server-process.ts';
import { p99, report, slowest, startClients, tally } from './samples.ts';
import { gatherSteps, SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

export type MidFlightOptions = { killSeconds: number; slowSeconds: number };

const WRITERS = 16;
const KILL_EVERY_MS = 200;
const SLOW_RTT_MS = 200;
/** Gather's defaults (README): a request's deadline, and one statement after it. */
const LONGEST_ANSWER_MS = 2_000 + 2_000;

const KILL_GATHERS_CONNECTIONS = `SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;

export async function run({ killSeconds, slowSeconds }: MidFlightOptions): Promise<boolean> {
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_mid_flight');
  const direct = new pg.Client({ connectionString: database.url });
  const target = new URL(database.url);
  const proxy = await startDelayProxy({
    targetHost: target.hostname,
    targetPort: Number(target.port || 5432),
    rttMs: 0,
  });
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const env = scenarioEnv({ DATABASE_URL: proxied.toString() });
  try {
    await gatherSteps(env, ['db', 'upgrade']);
    await direct.connect();
    const server = await startGather({ env });
    try {
      const token = await signUp(server.url, `midflight${process.pid}`);

      // 1. Connections killed under writes.
      const load = startWriteLoad(server.url, token, WRITERS, 'mid-flight');
      let kills = 0;
      let killed = 0;
      const killUntil = performance.now() + killSeconds * 1_000;
      while (performance.now() < killUntil) {
        await sleep(KILL_EVERY_MS);
        killed += (await direct.query<{ killed: number }>(KILL_GATHERS_CONNECTIONS)).rows[0]!.killed;
        kills += 1;
      }
      await sleep(1_000);
      await load.stop();
      const acknowledged = load.acknowledged;
      const found = (
        await direct.query<{ n: number }>('SELECT count(*)::int AS n FROM articles WHERE slug = ANY($1)', [
          [...acknowledged],
        ])
      ).rows[0]!.n;
      const outcomes = [...load.outcomes()]
        .sort()
        .map(([outcome, n]) => `${outcome}×${n}`)
        .join(' ');
      const unexpected = [...load.outcomes()].filter(([outcome]) => outcome !== '201' && outcome !== '503');

      // 2. The database slowed down, then back.
      const t0 = performance.now();
      const now = () => performance.now() - t0;
      const clients = startClients(
        server.url,
        {
          reads: {
            count: 8,
            next: (i) => ({ method: 'GET', path: i % 2 === 0 ? '/api/articles?limit=10' : '/api/tags' }),
          },
          writes: {
            count: 4,
            next: (i) => ({
              method: 'POST',
              path: '/api/articles',
              token,
              body: { article: { title: `slow ${process.pid} ${i} ${now()}`, description: 'd', body: 'b' } },
            }),
          },
        },
        now,
      );
      await sleep(2_000);
      const slowAt = now();
      proxy.setRtt(SLOW_RTT_MS);
      await sleep(slowSeconds * 1_000);
      const fastAt = now();
      proxy.setRtt(0);
      await sleep(3_000);
      await clients.stop();
      const during = clients.samples.filter((s) => s.startedAt >= slowAt && s.startedAt < fastAt);
      const after = clients.samples.filter((s) => s.startedAt >= fastAt + 1_000);
      const bad = clients.samples.filter((s) => !/^(200|201|503)$/.test(s.outcome));

      console.log(
        `mid-flight: PostgreSQL behind a delaying proxy; ${WRITERS} writers, then readers and writers`,
      );
      console.log(
        `  connections killed     ${killed} in ${kills} rounds, every ${KILL_EVERY_MS} ms for ${killSeconds} s`,
      );
      console.log(`  writes                 ${outcomes}`);
      console.log(`  acknowledged, found    ${acknowledged.length}, ${found}`);
      console.log(
        `  slowed +${SLOW_RTT_MS} ms          ${during.length}: ${tally(during)}; p99 ${p99(during).toFixed(0)} ms, slowest ${slowest(during).toFixed(0)} ms`,
      );
      console.log(`  from 1 s after         ${after.length}: ${tally(after)}`);
      return report('mid-flight', [
        [
          found === acknowledged.length && acknowledged.length > 0,
          `0 acknowledged writes lost (${found} of ${acknowledged.length} found)`,
        ],
        [
          unexpected.length === 0 && killed > 0,
          `killed connections cost 503s only, never a 500 (${outcomes})`,
        ],
        [
          during.length > 0 && bad.length === 0 && slowest(during) <= LONGEST_ANSWER_MS,
          `slowed down: answers 2xx or 503 only, slowest ${slowest(during).toFixed(0)} ms ≤ ${LONGEST_ANSWER_MS} ms (deadline + one statement)`,
        ],
        [
          after.length > 0 && after.every((s) => s.outcome.startsWith('2')),
          'everything served again within 1 s of the slowdown’s end',
        ],
      ]);
    } finally {
      await server.stop();
    }
  } finally {
    await direct.end().catch(() => {});
    await proxy.close();
    await database.drop();
  }
}
