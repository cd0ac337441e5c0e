// One load run: autocannon in a process of its own (never inside a server's process), bounded in time.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { BenchCase } from './cases.ts';
import type { ServerProcess } from './server-process.ts';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

export type LoadResult = Readonly<{
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses outside 2xx, plus connection errors and timeouts (none of them is a success). */
  non2xx: number;
  requests: number;
  /** The server's largest resident set size seen during the run, in MB. */
  rssMb: number;
}>;

type AutocannonJson = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
};

function autocannonArgs(url: string, c: BenchCase, connections: number, seconds: number): string[] {
  const args = [AUTOCANNON, '--json', '--no-progress', '-c', String(connections), '-d', String(seconds)];
  args.push('-m', c.method);
  if (c.token !== undefined) args.push('-H', `authorization=Token ${c.token}`);
  if (c.body !== undefined) args.push('-H', 'content-type=application/json', '-b', c.body, '-I');
  args.push(`${url}${c.path}`);
  return args;
}

export async function runLoad(
  server: ServerProcess,
  c: BenchCase,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const child = spawn(process.execPath, autocannonArgs(server.url, c, connections, seconds), {
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
  let rssMb = server.rssMb();
  const sampler = setInterval(() => {
    rssMb = Math.max(rssMb, server.rssMb());
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr.slice(-1_000)}`);
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
    rssMb,
  };
}
