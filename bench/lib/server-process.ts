// A server in a process of its own, started as a user starts it; its resident memory read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export type ServerProcess = Readonly<{
  name: string;
  url: string;
  /** Resident set size of the process and its children (cluster workers), in MB. */
  rssMb(): number;
  /** CPU time (user + system) the process and its children have used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}>;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

const childrenOf = (pid: number): number[] => {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? [] : children.split(' ').map(Number);
};

function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const own = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return own + childrenOf(pid).reduce((sum, child) => sum + rssKb(child), 0);
  } catch {
    return 0; // the process is gone (or this is not Linux)
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    // Fields after the command name "(…)": utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (
      Number(fields[11]) +
      Number(fields[12]) +
      childrenOf(pid).reduce((sum, child) => sum + cpuTicks(child), 0)
    );
  } catch {
    return 0; // the process is gone (or this is not Linux)
  }
}

async function waitUntilListening(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`server did not listen on ${url} within 60 s:\n${output()}`);
}

/** Starts `node <args>` with `env` (PORT is chosen here) and waits until it answers HTTP. */
export async function startServer(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilListening(url, child, () => output);
  return {
    name,
    url,
    rssMb: () => rssKb(child.pid ?? 0) / 1024,
    cpuMs: () => (cpuTicks(child.pid ?? 0) * 1000) / TICKS_PER_SECOND,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
