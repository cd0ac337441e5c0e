// Graceful shutdown: SIGTERM while logins (each a ~100 ms scrypt hash) are in flight. Every request the
// server had begun (its log says "request started") must complete with 200; no connection opened after
// the signal may be served or left hanging; the process must exit 0 within its grace period.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signUp, sleep } from '../harness/api-client.ts';
import { startGather } from '../harness/server-process.ts';
import { scenarioEnv } from './scenario-env.ts';

const IN_FLIGHT = 24;
/** serve.ts gives in-flight requests 10 s; the process must be gone shortly after. */
const EXIT_BOUND_MS = 12_000;

type Outcome = 'ok' | 'refused' | '503' | 'reset' | 'timeout' | `status ${number}`;

/** One request on a connection of its own. `sent` resolves once the request is fully written. */
function send(url: string, path: string, body?: unknown): { sent: Promise<void>; outcome: Promise<Outcome> } {
  let markSent: () => void = () => undefined;
  const sent = new Promise<void>((resolve) => {
    markSent = resolve;
  });
  const outcome = new Promise<Outcome>((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method: payload === undefined ? 'GET' : 'POST',
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 15_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(status === 200 ? 'ok' : status === 503 ? '503' : `status ${status}`);
        });
      },
    );
    req.on('finish', markSent);
    req.on('timeout', () => {
      resolve('timeout');
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      markSent();
      resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'reset');
    });
    req.end(payload);
  });
  return { sent, outcome };
}

const tally = (outcomes: Outcome[]) => {
  const counts = new Map<Outcome, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return [...counts.entries()].map(([outcome, n]) => `${outcome}×${n}`).join(' ');
};

export async function run(): Promise<boolean> {
  const folder = await mkdtemp(join(tmpdir(), 'gather-shutdown-'));
  // LOG_LEVEL=debug: the server logs "request started" as it begins each one. The drain is under test, not the
  // deadlines: 24 logins queue for one hashing thread, which on a loaded machine outlasts the default 2 s budget.
  const server = await startGather({
    env: scenarioEnv({ GATHER_DATA_DIR: folder, LOG_LEVEL: 'debug', REQUEST_TIMEOUT_MS: '30000' }),
  });
  try {
    const username = `bye${randomBytes(3).toString('hex')}`;
    await signUp(server.url, username);
    const login = { user: { email: `${username}@example.com`, password: 'password123' } };

    const inFlight = Array.from({ length: IN_FLIGHT }, () => send(server.url, '/api/users/login', login));
    let answered = 0;
    for (const { outcome } of inFlight) void outcome.then(() => answered++);
    await Promise.all(inFlight.map(({ sent }) => sent));
    await server.waitFor(/^(?=.*"request started")(?=.*"\/api\/users\/login")/, IN_FLIGHT, 30_000);
    const unansweredAtSignal = IN_FLIGHT - answered;

    const signalled = performance.now();
    server.kill('SIGTERM');
    // New connections every 25 ms until the process is gone.
    const probes: Promise<Outcome>[] = [];
    let running = true;
    const exit = server.exited(EXIT_BOUND_MS).finally(() => {
      running = false;
    });
    while (running) {
      await sleep(25);
      if (running) probes.push(send(server.url, '/api/tags').outcome);
    }
    const { code, signal } = await exit;
    const exitMs = performance.now() - signalled;
    const finished = await Promise.all(inFlight.map(({ outcome }) => outcome));
    const probed = await Promise.all(probes);

    const completed = finished.filter((outcome) => outcome === 'ok').length;
    // A connection still in the kernel's accept queue when the listener closes is reset unread: the
    // client may retry it anywhere. Served (2xx) or hanging would be wrong.
    const turnedAway = probed.filter((o) => o === 'refused' || o === '503' || o === 'reset').length;
    console.log('shutdown: SIGTERM with logins in flight, then a new connection every 25 ms until exit');
    console.log(`  in flight at SIGTERM    ${unansweredAtSignal} of ${IN_FLIGHT} logins`);
    console.log(`  their outcomes          ${tally(finished)}`);
    console.log(`  new connections after   ${probed.length}: ${tally(probed)}`);
    console.log(`  exit                    code ${code ?? signal} after ${exitMs.toFixed(0)} ms`);
    const checks: [boolean, string][] = [
      [unansweredAtSignal > 0, `${unansweredAtSignal} requests were in flight at SIGTERM`],
      [completed === IN_FLIGHT, `${completed} of ${IN_FLIGHT} in-flight requests completed with 200`],
      [
        turnedAway === probed.length,
        `${turnedAway} of ${probed.length} new connections turned away unserved (refused, 503 or reset)`,
      ],
      [code === 0, `exit code ${code ?? signal}`],
      [exitMs < EXIT_BOUND_MS, `exited in ${exitMs.toFixed(0)} ms (bound ${EXIT_BOUND_MS} ms)`],
    ];
    for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} shutdown: ${text}`);
    return checks.every(([pass]) => pass);
  } finally {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  }
}
