// Requests timed by a scenario's own clients (in the scenario's process, through fetch), and the figures
// they add up to. Shared by the scenarios that watch answers while a fault is on.

import { api, sleep } from '../harness/api-client.ts';
import { percentile } from '../harness/stats.ts';

/** A request that takes longer than this has hung: no deadline of Gather's lets one wait that long. */
export const HANG_MS = 8_000;

export type Sample = Readonly<{
  /** Which client group sent it ("articles", "tags", "readyz"). */
  group: string;
  /** Milliseconds since the scenario's clock started. */
  startedAt: number;
  ms: number;
  /** The status code, or "hung" / "network error". */
  outcome: string;
  /** A 503 that said when to come back. */
  retryAfter: boolean;
}>;

export type Request = Readonly<{ method: string; path: string; token?: string; body?: unknown }>;

export type Clients = Readonly<{
  samples: Sample[];
  /** Stops issuing requests and waits for those in flight. */
  stop(): Promise<void>;
}>;

/**
 * `count` clients per group, each sending its group's next request as soon as the last one is answered,
 * until stopped. `now` is the scenario's clock.
 */
export function startClients(
  base: string,
  groups: Readonly<
    Record<string, { count: number; next(i: number): Request; pauseMs?: number; honourRetryAfter?: boolean }>
  >,
  now: () => number,
): Clients {
  const samples: Sample[] = [];
  let running = true;
  const client = async (
    group: string,
    next: (i: number) => Request,
    pauseMs: number,
    honourRetryAfter: boolean,
  ) => {
    for (let i = 0; running; i++) {
      const { method, path, token, body } = next(i);
      const startedAt = now();
      let outcome: string;
      let retryAfter = false;
      let waitMs = 0;
      try {
        const answer = await api(base, method, path, { token, body, timeoutMs: HANG_MS });
        outcome = String(answer.status);
        retryAfter = answer.retryAfter !== null;
        // As told, plus a random part of as much again (SDKs' jitter: refused together, back apart).
        if (honourRetryAfter && answer.status === 503 && retryAfter)
          waitMs = Number(answer.retryAfter) * 1_000 * (1 + Math.random());
      } catch (error) {
        outcome = (error as Error).name === 'TimeoutError' ? 'hung' : 'network error';
        await sleep(20); // the server is gone: do not spin
      }
      samples.push({ group, startedAt, ms: now() - startedAt, outcome, retryAfter });
      if (pauseMs + waitMs > 0) await sleep(pauseMs + waitMs);
    }
  };
  const all = Object.entries(groups).flatMap(
    ([group, { count, next, pauseMs = 0, honourRetryAfter = false }]) =>
      Array.from({ length: count }, () => client(group, next, pauseMs, honourRetryAfter)),
  );
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(all);
    },
  };
}

/** "200×812 503×40": how many of each outcome. */
export function tally(samples: readonly Pick<Sample, 'outcome'>[]): string {
  const counts = new Map<string, number>();
  for (const { outcome } of samples) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return (
    [...counts.entries()]
      .sort()
      .map(([outcome, n]) => `${outcome}×${n}`)
      .join(' ') || 'none'
  );
}

export const p99 = (samples: readonly Sample[]) =>
  percentile(
    samples.map((s) => s.ms),
    99,
  );
export const slowest = (samples: readonly Sample[]) => Math.max(0, ...samples.map((s) => s.ms));

/** The samples of `group` that started and ended within [from, to). */
export function within(samples: readonly Sample[], group: string, from: number, to: number): Sample[] {
  return samples.filter((s) => s.group === group && s.startedAt >= from && s.startedAt + s.ms < to);
}

/** One line per check, PASS or FAIL, prefixed with the scenario; true when all pass. */
export function report(scenario: string, checks: readonly (readonly [boolean, string])[]): boolean {
  for (const [pass, text] of checks) console.log(`${pass ? 'PASS' : 'FAIL'} ${scenario}: ${text}`);
  return checks.every(([pass]) => pass);
}
