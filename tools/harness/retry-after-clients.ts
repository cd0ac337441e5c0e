// Clients that honour Retry-After: `connections` keep-alive connections, each sending its next request as
// soon as the last is answered, except after a 503, when it waits the seconds the server asked for, plus a
// random part of as much again (jitter, as SDKs back off: refused together, they do not all come back in
// the same millisecond). What a well-behaved client does, and what load shedding is for: a refused client
// comes back later instead of at once.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoadSpec, RunFigures } from './load-spec.ts';
import { byStatus, percentile } from './stats.ts';

/** An answer slower than this counts as a timeout (autocannon's default too). */
const TIMEOUT_MS = 10_000;
/**
 * Not measured: the first second, while every client opens its connection at once (a thousand TCP
 * handshakes in the same instant are the first requests' latency, not the server's).
 */
const WARMUP_MS = 1_000;

export async function runRetryAfterClients(spec: LoadSpec): Promise<RunFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.url);
  const latencies = new Map<number, number[]>();
  let errors = 0;
  let timeouts = 0;
  let sent = 0;
  const measureFrom = performance.now() + WARMUP_MS;
  const end = measureFrom + spec.seconds * 1_000;

  const send = () =>
    new Promise<{ status: number; retryAfterS: number }>((resolve, reject) => {
      const body = spec.body?.replaceAll('[<id>]', `${process.pid}-${++sent}`);
      const outgoing = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: spec.method,
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              retryAfterS: Number(response.headers['retry-after'] ?? 1),
            }),
          );
        },
      );
      for (const [name, value] of Object.entries(spec.headers)) outgoing.setHeader(name, value);
      outgoing.setTimeout(TIMEOUT_MS, () => outgoing.destroy(new Error('timeout')));
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const client = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const { status, retryAfterS } = await send();
        if (started >= measureFrom) {
          const list = latencies.get(status) ?? [];
          list.push(performance.now() - started);
          latencies.set(status, list);
        }
        if (status === 503) {
          await new Promise((resolve) => setTimeout(resolve, retryAfterS * 1_000 * (1 + Math.random())));
        }
      } catch (error) {
        if (started < measureFrom) continue;
        if ((error as Error).message === 'timeout') timeouts += 1;
        else errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, client));
  agent.destroy();

  const all = [...latencies.values()].flat();
  const total = all.length;
  const non2xx = [...latencies]
    .filter(([status]) => status < 200 || status > 299)
    .reduce((n, [, ms]) => n + ms.length, 0);
  return {
    requests: { average: total / spec.seconds, total },
    latency: { p50: percentile(all, 50), p99: percentile(all, 99) },
    non2xx,
    errors,
    timeouts,
    byStatus: byStatus(latencies),
  };
}
