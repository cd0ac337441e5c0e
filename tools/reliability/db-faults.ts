// Database faults: a private PostgreSQL cluster is stopped and started again under a read/write load.
// While it is down /readyz must say not ready and requests that need it must get a prompt 503 (never a 500,
// never a hang); once it is back Gather must serve again by itself, without a restart.
import { randomBytes } from 'node:crypto';
import { api, sleep } from '../harness/api-client.ts';
import { createPrivatePostgres, postgresBinaries } from '../harness/private-postgres.ts';
import { startGather } from '../harness/server-process.ts';
import { HANG_MS, tally } from './samples.ts';
import { scenarioEnv } from './scenario-env.ts';

const CLIENTS = 8;
const OUTAGE_MS = 3_000;

type Sample = { startedAt: number; ms: number; outcome: string };

export async function run(): Promise<boolean> {
  const bin = postgresBinaries();
  if (bin === undefined) {
    console.log('SKIP db-faults: no PostgreSQL server binaries (initdb) under /usr/lib/postgresql');
    return true;
  }
  const cluster = await createPrivatePostgres(bin);
  const server = await startGather({
    env: scenarioEnv({ DATABASE_URL: cluster.url, DB_POOL_MAX: '5' }),
    args: ['--migrate'],
  });
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  try {
    const username = `fault${randomBytes(3).toString('hex')}`;
    const signUp = await api(server.url, 'POST', '/api/users', {
      body: { user: { username, email: `${username}@example.com`, password: 'password123' } },
    });
    const token = (signUp.body as { user: { token: string } }).user.token;

    const requests: Sample[] = [];
    const readiness: Sample[] = [];
    let running = true;
    const timed = async (samples: Sample[], method: string, path: string, body?: unknown) => {
      const startedAt = now();
      let outcome: string;
      try {
        outcome = String((await api(server.url, method, path, { token, body, timeoutMs: HANG_MS })).status);
      } catch (error) {
        outcome = (error as Error).name === 'TimeoutError' ? 'hung' : 'network error';
        await sleep(20); // the server is gone: do not spin
      }
      samples.push({ startedAt, ms: now() - startedAt, outcome });
    };
    const client = async (id: number) => {
      for (let i = 0; running; i++) {
        if (i % 2 === 0) await timed(requests, 'GET', '/api/articles?limit=5');
        else {
          const article = { title: `fault ${id} ${i}`, description: 'd', body: 'b' };
          await timed(requests, 'POST', '/api/articles', { article });
        }
      }
    };
    const poller = async () => {
      while (running) {
        await timed(readiness, 'GET', '/readyz');
        await sleep(100);
      }
    };
    const load = [...Array.from({ length: CLIENTS }, (_, id) => client(id)), poller()];

    await sleep(2_000);
    const stopAt = now();
    await cluster.stop();
    const stoppedAt = now();
    await sleep(OUTAGE_MS);
    const startAt = now();
    await cluster.start();
    const startedAt = now();
    let readyAt: number | undefined;
    while (readyAt === undefined && now() - startedAt < 30_000) {
      const ready = readiness.find((sample) => sample.startedAt > startedAt && sample.outcome === '200');
      readyAt = ready === undefined ? undefined : ready.startedAt + ready.ms;
      await sleep(50);
    }
    await sleep(2_000);
    running = false;
    await Promise.all(load);

    const during = (samples: Sample[]) =>
      samples.filter((s) => s.startedAt >= stoppedAt && s.startedAt + s.ms <= startAt);
    const after = (samples: Sample[]) =>
      samples.filter((s) => readyAt !== undefined && s.startedAt >= readyAt);
    const outage = during(requests);
    const recovered = after(requests);
    const slowest = Math.max(0, ...outage.map((s) => s.ms));
    const fivehundreds = requests.filter((s) => s.outcome === '500').length;
    const hung = [...requests, ...readiness].filter((s) => s.outcome === 'hung').length;

    console.log(
      `db-faults: ${CLIENTS} clients (reads and writes) while a private PostgreSQL stops and starts`,
    );
    console.log(
      `  stop took              ${(stoppedAt - stopAt).toFixed(0)} ms; down for ${(startAt - stoppedAt).toFixed(0)} ms`,
    );
    console.log(
      `  requests while down    ${outage.length}: ${tally(outage)}; slowest answer ${slowest.toFixed(0)} ms`,
    );
    console.log(`  /readyz while down     ${tally(during(readiness))}`);
    console.log(
      `  ready again            ${readyAt === undefined ? 'never' : `${(readyAt - startedAt).toFixed(0)} ms after PostgreSQL was back`}`,
    );
    console.log(`  requests after ready   ${recovered.length}: ${tally(recovered)}`);
    console.log(`  whole run              ${requests.length}: ${tally(requests)}`);
    const checks: [boolean, string][] = [
      [
        outage.length > 0 && outage.every((s) => s.outcome === '503'),
        `every request while down got 503 (${outage.length})`,
      ],
      [slowest < 6_000, `answers while down within ${slowest.toFixed(0)} ms`],
      [
        during(readiness).length > 0 && during(readiness).every((s) => s.outcome === '503'),
        '/readyz said 503 while down',
      ],
      [readyAt !== undefined, 'ready again without restarting Gather'],
      [
        recovered.length > 0 && recovered.every((s) => s.outcome.startsWith('2')),
        'every request after recovery succeeded',
      ],
      [fivehundreds === 0 && hung === 0, `${fivehundreds} responses 500, ${hung} hung`],
    ];
    for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} db-faults: ${text}`);
    const passed = checks.every(([pass]) => pass);
    if (!passed) console.log(`--- gather output (last lines) ---\n${server.output().slice(-3_000)}`);
    return passed;
  } finally {
    await server.stop();
    await cluster.destroy();
  }
}
