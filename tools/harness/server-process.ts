// A server in a process of its own, started as a user starts it (`node <script> <args>`), on a loopback port:
// its output captured, its readiness read from the lines it prints, its memory and CPU read from /proc, and
// stopped with SIGTERM (SIGKILL if it does not finish). The one way benchmarks, scripts and tests start servers.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const GATHER = new URL('../../bin/gather.js', import.meta.url).pathname;
/** Gather compiled to JavaScript by `npm run build`: what `npm run start:dist` runs, with no loader. */
const GATHER_COMPILED = new URL('../../dist/cli/index.js', import.meta.url).pathname;
const PROJECT_DIR = new URL('../..', import.meta.url).pathname;
const { scripts } = JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
/** Node's flags of a package.json script (declared there once), as `npm run <script>` gives them. */
const nodeFlagsOf = (script: string): readonly string[] =>
  scripts[script]!.split(' ').filter((word) => word.startsWith('--'));
/**
 * `npm start`'s flags: PGlite's WebAssembly on V8's baseline compiler only (its optimising compiler took over
 * 600 MB for one function at start-up; docs/performance.md).
 */
const SOURCE_NODE_ARGS = nodeFlagsOf('start');
/**
 * `npm run start:dist`'s, for production: the same, a 16 MB young generation and an old generation that grows
 * at most 2 × between full collections (Node 24's defaults grew the server to 351-403 MB under the overload
 * scenario; docs/performance.md has the measurements).
 */
const PRODUCTION_NODE_ARGS = nodeFlagsOf('start:dist');
const WAIT_MS = 60_000;
const POLL_MS = 20;

export type Exit = Readonly<{ code: number | null; signal: NodeJS.Signals | null }>;

export type ServerProcess = Readonly<{
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once `count` output lines (since start) match `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  /** Resident set size of the process and its children (cluster workers), in MB. */
  rssMb(): number;
  /** The largest resident set size each of them has had (their peaks added up), in MB. */
  peakRssMb(): number;
  /** CPU time (user + system) the process and its children have used so far, in ms. */
  cpuMs(): number;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited; rejects after timeoutMs (the process is left running). */
  exited(timeoutMs?: number): Promise<Exit>;
  /** SIGTERM, SIGKILL if still running after graceMs, then the exit. */
  stop(graceMs?: number): Promise<Exit>;
}>;

export type ServerOptions = Readonly<{
  script: string;
  args?: readonly string[];
  /** Node's own flags, before the script: TYPESCRIPT_NODE_ARGS (typescript.ts) for a .ts script. */
  nodeArgs?: readonly string[];
  /** On top of this process's environment less its DATABASE_URL: a server gets the database it is given. */
  env?: Readonly<Record<string, string>>;
  /** The port, given to the server as PORT (HOST is 127.0.0.1); a free one by default. */
  port?: number;
  /** Resolve only once `readyCount` (default 1) output lines match this; without it, resolve at once. */
  ready?: RegExp;
  readyCount?: number;
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

/** The lines of /proc/<pid>/status that rssKb reads: resident memory now, and the most it has been. */
const RESIDENT = { VmRSS: /VmRSS:\s+(\d+)/, VmHWM: /VmHWM:\s+(\d+)/ } as const;

/** Resident memory of a process and its children, in KB: now (VmRSS) or the most each has held (VmHWM). */
function rssKb(pid: number, field: keyof typeof RESIDENT = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const own = Number(RESIDENT[field].exec(status)?.[1] ?? 0);
    return own + childrenOf(pid).reduce((sum, child) => sum + rssKb(child, field), 0);
  } catch {
    return 0; // the process is gone (or this is not Linux)
  }
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

function cpuTicks(pid: number): number {
  try {
    // Fields after the command name "(…)": utime and stime are the 12th and 13th; cutime and cstime (the
    // 14th and 15th), the children that have exited and been waited for, so that a child's time still counts
    // once it is gone (PostgreSQL's postmaster reaps backends and autovacuum workers).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (
      Number(fields[11]) +
      Number(fields[12]) +
      Number(fields[13]) +
      Number(fields[14]) +
      childrenOf(pid).reduce((sum, child) => sum + cpuTicks(child), 0)
    );
  } catch {
    return 0; // the process is gone (or this is not Linux)
  }
}

/** CPU time (user + system) that process `pid` and its children, living or exited, have used so far, in ms. */
export const processCpuMs = (pid: number): number => (cpuTicks(pid) * 1000) / TICKS_PER_SECOND;

const tail = (text: string) => text.slice(-4_000);

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const { DATABASE_URL: _inherited, ...environment } = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
    {
      env: { ...environment, ...options.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  // 'close', not 'exit': by then everything the process wrote is in `output`.
  const exit = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;

  const waitFor = async (pattern: RegExp, count = 1, timeoutMs = WAIT_MS) => {
    const line = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    const deadline = Date.now() + timeoutMs;
    while (output.split('\n').filter((text) => line.test(text)).length < count) {
      if (!running())
        throw new Error(`${options.script} exited before ${count} × ${pattern}:\n${tail(output)}`);
      if (Date.now() > deadline)
        throw new Error(
          `${options.script}: fewer than ${count} × ${pattern} after ${timeoutMs} ms:\n${tail(output)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  const exited = (timeoutMs = WAIT_MS) =>
    new Promise<Exit>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.script} still running after ${timeoutMs} ms:\n${tail(output)}`)),
        timeoutMs,
      );
      void exit.then((result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });

  const server: ServerProcess = {
    pid: child.pid ?? 0,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    waitFor,
    rssMb: () => rssKb(child.pid ?? 0) / 1024,
    peakRssMb: () => rssKb(child.pid ?? 0, 'VmHWM') / 1024,
    cpuMs: () => processCpuMs(child.pid ?? 0),
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
    stop: async (graceMs = 20_000) => {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
  if (options.ready !== undefined) {
    try {
      await waitFor(options.ready, options.readyCount);
    } catch (error) {
      child.kill('SIGKILL');
      await exit;
      throw error;
    }
  }
  return server;
}

/** `npm run build`: compiles Gather to dist/ (rejects with the compiler's output when it fails). */
export async function buildGather(): Promise<void> {
  const build = spawn('npm', ['run', '--silent', 'build'], {
    cwd: PROJECT_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  build.stdout.on('data', (chunk: Buffer) => (output += chunk));
  build.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) =>
    build.once('error', reject).once('close', resolve),
  );
  if (code !== 0) throw new Error(`npm run build exited with ${code}:\n${tail(output)}`);
}

/**
 * `gather serve <args>` as a user runs it (bin/gather.js; with `compiled`, dist/cli/index.js as
 * `npm run start:dist` runs it after `npm run build`). With `workers`, `--workers N` is added. Resolves
 * once it listens (each of its workers does), unless `waitForListening` is false (a start meant to fail).
 */
export function startGather(
  options: Readonly<{
    args?: readonly string[];
    env?: Readonly<Record<string, string>>;
    workers?: number;
    waitForListening?: boolean;
    compiled?: boolean;
  }> = {},
): Promise<ServerProcess> {
  const workers = options.workers ?? 1;
  return startServer({
    script: options.compiled === true ? GATHER_COMPILED : GATHER,
    nodeArgs: options.compiled === true ? PRODUCTION_NODE_ARGS : SOURCE_NODE_ARGS,
    args: [
      'serve',
      ...(options.workers === undefined ? [] : ['--workers', String(workers)]),
      ...(options.args ?? []),
    ],
    env: options.env,
    // One process prints the gather line; a cluster prints one line per worker.
    ready:
      options.waitForListening === false
        ? undefined
        : workers > 1
          ? /gather: worker \d+ \(pid \d+\) listening on/
          : /gather: listening on/,
    readyCount: workers,
  });
}

export type GatherRun = Readonly<{ code: number; stdout: string; stderr: string }>;

/**
 * `gather <args>` run to its end as a user runs it (bin/gather.js), in `cwd`, with `env` on top of this
 * process's environment less its DATABASE_URL. Killed after `timeoutMs` (code -1), so that a stuck command
 * fails a test instead of hanging CI.
 */
export function runGather(
  args: readonly string[],
  {
    env = {},
    cwd,
    timeoutMs = 120_000,
    mergeStderr = false,
  }: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    timeoutMs?: number;
    /** stderr into stdout's pipe (`2>&1`): both in the order they were written, as a terminal shows them. */
    mergeStderr?: boolean;
  } = {},
): Promise<GatherRun> {
  const { DATABASE_URL: _inherited, ...environment } = process.env;
  const command = [process.execPath, GATHER, ...args];
  const [file, ...fileArgs] = mergeStderr ? ['/bin/sh', '-c', 'exec "$0" "$@" 2>&1', ...command] : command;
  return new Promise((resolve) => {
    execFile(
      file!,
      fileArgs,
      {
        cwd,
        env: { ...environment, ...env },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
