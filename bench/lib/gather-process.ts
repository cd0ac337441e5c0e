// Gather as a user starts it, for the login-storm bench: a child process `node bin/gather.js serve`
// on a free loopback port, its output captured, stopped with SIGTERM (the graceful path).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

const GATHER = new URL('../../bin/gather.js', import.meta.url).pathname;
const START_TIMEOUT_MS = 60_000;

export type GatherProcess = {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once `pattern` has appeared `count` times in the output; rejects if the process exits first. */
  waitFor(pattern: RegExp, count?: number): Promise<void>;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
};

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `gather serve <args>` with `env` on top of this process's environment (DATABASE_URL removed
 * unless given: the embedded database is the default) and waits until it listens (every worker of it).
 */
export async function startGather(
  options: { args?: string[]; env?: Record<string, string>; workers?: number } = {},
): Promise<GatherProcess> {
  const port = await freePort();
  const { DATABASE_URL: _inherited, ...environment } = process.env;
  const child = spawn(process.execPath, [GATHER, 'serve', ...(options.args ?? [])], {
    env: { ...environment, LOG_LEVEL: 'warn', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  const waitFor = async (pattern: RegExp, count = 1) => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
    while ((output.match(global) ?? []).length < count) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`gather exited before ${pattern}:\n${output}`);
      }
      if (Date.now() > deadline)
        throw new Error(`gather: no ${pattern} after ${START_TIMEOUT_MS} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const gather: GatherProcess = {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    waitFor,
    stop: async (timeoutMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const [code] = await exited;
      clearTimeout(timer);
      return code as number | null;
    },
  };
  try {
    const workers = options.workers ?? 1;
    await waitFor(workers > 1 ? /worker \d+ \(pid \d+\) listening on/ : /gather: listening on/, workers);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return gather;
}
