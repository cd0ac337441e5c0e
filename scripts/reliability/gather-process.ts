// `gather serve` in a process of its own, started as a user starts it (node bin/gather.js serve) on PORT=0;
// its URL is read from the line it prints. The reliability scenarios kill, signal and restart it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const GATHER_BIN = fileURLToPath(new URL('../../bin/gather.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** A JWT secret shared by every process of a scenario, so that tokens survive restarts and instances. */
export const SCENARIO_JWT_SECRET = 'reliability-secret-reliability-secret-0123456789';

export type Exit = Readonly<{ code: number | null; signal: NodeJS.Signals | null }>;

export type GatherProcess = Readonly<{
  url: string;
  pid: number;
  /** Everything the process printed so far (stdout and stderr, the last 20,000 characters). */
  output(): string;
  /** Resolves once `count` printed lines (since start) match `pattern`; rejects after timeoutMs. */
  waitForLines(pattern: RegExp, count: number, timeoutMs: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited; rejects after timeoutMs. */
  exited(timeoutMs: number): Promise<Exit>;
  /** SIGKILL if still running, then wait: for cleanup paths. */
  stop(): Promise<void>;
}>;

/** The environment every scenario starts from: quiet logs, no traces, no rate limits in the way. */
export function scenarioEnv(extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    GATHER_TRACE: '0',
    GATHER_METRICS: '0',
    JWT_SECRET: SCENARIO_JWT_SECRET,
    RATE_LIMIT_AUTH_MAX: '1000000',
    HOST: '127.0.0.1',
    PORT: '0',
    ...extra,
  };
}

export async function startGather(env: Record<string, string>, args: string[] = []): Promise<GatherProcess> {
  const child: ChildProcess = spawn(process.execPath, [GATHER_BIN, 'serve', ...args], {
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const lines: string[] = [];
  let partialLine = '';
  const exit = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gather did not print its URL within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const parts = (partialLine + chunk.toString()).split('\n');
      partialLine = parts.pop() ?? '';
      lines.push(...parts);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`gather exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const exited = (timeoutMs: number) =>
    new Promise<Exit>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`gather still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
      void exit.then((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  const waitForLines = async (pattern: RegExp, count: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (lines.filter((line) => pattern.test(line)).length < count) {
      if (Date.now() > deadline)
        throw new Error(`fewer than ${count} lines match ${pattern} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return {
    url,
    pid: child.pid ?? 0,
    output: () => output,
    waitForLines,
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(10_000);
    },
  };
}
