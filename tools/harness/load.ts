// One load run: autocannon in a process of its own (never inside a server's process), bounded in time.
import { spawn } from 'node:child_process';
import type { LoadSpec, RunFigures } from './load-spec.ts';
import type { ServerProcess } from './server-process.ts';
import type { StatusLatency } from './stats.ts';
import { TYPESCRIPT_NODE_ARGS } from './typescript.ts';

const RUNNER = new URL('./load-runner.ts', import.meta.url).pathname;

/** What each connection sends, again and again (a benchmark case is one). */
export type LoadRequest = Readonly<{ method: 'GET' | 'POST'; path: string; token?: string; body?: string }>;

export type LoadResult = Readonly<{
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses outside 2xx, plus connection errors and timeouts (none of them is a success). */
  non2xx: number;
  requests: number;
  /** The server's largest resident set size seen during the run, in MB. */
  rssMb: number;
  /** The server's CPU time per request (its process and children), in µs: unlike req/s, barely moved by other load on the machine. */
  cpuUs: number;
  /** Latencies of each status code apart. */
  byStatus: StatusLatency;
}>;

function loadSpec(
  url: string,
  c: LoadRequest,
  connections: number,
  seconds: number,
  clients: LoadSpec['clients'],
): LoadSpec {
  return {
    clients,
    url: `${url}${c.path}`,
    method: c.method,
    headers: {
      ...(c.token !== undefined && { authorization: `Token ${c.token}` }),
      ...(c.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(c.body !== undefined && { body: c.body }),
    connections,
    seconds,
  };
}

/**
 * `connections` connections sending `c` for `seconds` (from a process of its own); `clients: 'retry-after'`
 * for clients that wait as a 503's Retry-After says instead of sending again at once (autocannon).
 */
export async function runLoad(
  server: ServerProcess,
  c: LoadRequest,
  connections: number,
  seconds: number,
  clients: LoadSpec['clients'] = 'autocannon',
): Promise<LoadResult> {
  const spec = loadSpec(server.url, c, connections, seconds, clients);
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, RUNNER, JSON.stringify(spec)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const cpuBefore = server.cpuMs();
  let rssMb = server.rssMb();
  const sampler = setInterval(() => {
    rssMb = Math.max(rssMb, server.rssMb());
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const cpuMs = server.cpuMs() - cpuBefore;
  if (code !== 0) throw new Error(`the load generator exited with ${code}: ${stderr.slice(-1_000)}`);
  const result = JSON.parse(stdout) as RunFigures;
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
    rssMb,
    cpuUs: result.requests.total === 0 ? 0 : (cpuMs * 1000) / result.requests.total,
    byStatus: result.byStatus,
  };
}
