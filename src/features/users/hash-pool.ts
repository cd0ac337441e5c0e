// Password hashes off the event loop, and below it: a few worker threads (hash-worker.js) that run scrypt at
// a lower CPU priority. Off the loop is not enough on its own: on a 2-core machine, libuv's 4 pool threads
// hashing at full priority starve the event loop of CPU although no hash runs on it. So there is one
// thread fewer than cores (at least one), and the scheduler serves the loop first; logins wait their turn,
// but never past their request's deadline: a hash that could not start in time is refused at once (503).
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { OverCapacity } from '../../request-budget.ts';

export type ScryptOptions = { N: number; r: number; p: number; maxmem: number };

type Job = {
  password: string;
  salt: Buffer;
  keyLength: number;
  options: ScryptOptions;
  /** performance.now() past which the job is no longer worth starting (its request has given up). */
  deadline: number;
  resolve(hash: Buffer): void;
  reject(error: Error): void;
};
type Reply = { hash?: Uint8Array; error?: string };

const THREADS = Math.max(1, availableParallelism() - 1);
const WORKER = new URL('./hash-worker.js', import.meta.url);

const idle: Worker[] = [];
const queue: Job[] = [];
let threads = 0;
/** How long a hash takes, averaged over the recent ones (starts at scrypt's cost here, ~80 ms). */
let hashMs = 80;

function run(worker: Worker, job: Job): void {
  const started = performance.now();
  const settle = (outcome: Reply | Error) => {
    hashMs = 0.8 * hashMs + 0.2 * (performance.now() - started);
    worker.off('message', settle).off('error', settle).off('exit', onExit);
    if (outcome instanceof Error) {
      // A thread that fails takes its job with it; the next job gets a new thread.
      threads -= 1;
      void worker.terminate();
      job.reject(outcome);
    } else {
      // An idle hashing thread must not keep a finished process alive; a busy one must.
      worker.unref();
      idle.push(worker);
      if (outcome.hash === undefined) job.reject(new Error(`scrypt failed: ${outcome.error}`));
      else job.resolve(Buffer.from(outcome.hash));
    }
    dispatch();
  };
  const onExit = (code: number) => settle(new Error(`hashing thread exited with ${code}`));
  worker.on('message', settle).on('error', settle).on('exit', onExit);
  worker.ref();
  const { password, salt, keyLength, options } = job;
  worker.postMessage({ password, salt, keyLength, options });
}

function dispatch(): void {
  while (queue.length > 0 && (idle.length > 0 || threads < THREADS)) {
    const job = queue.shift()!;
    if (performance.now() > job.deadline) {
      job.reject(new OverCapacity('no hashing thread in time'));
      continue;
    }
    let worker = idle.pop();
    if (worker === undefined) {
      worker = new Worker(WORKER);
      threads += 1;
    }
    run(worker, job);
  }
}

/** Whether one more hash, behind those queued, would be done within `ms`. */
export function hashFitsIn(ms: number): boolean {
  return Math.ceil((queue.length + 1) / THREADS) * hashMs <= ms;
}

/**
 * scrypt in a hashing thread; queued while every thread is busy. Refused at once (OverCapacity) when the
 * hashes queued before it would not be done within `withinMs` (the caller's deadline).
 */
export function scryptInPool(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
  withinMs: number,
): Promise<Buffer> {
  if (!hashFitsIn(withinMs)) return Promise.reject(new OverCapacity('every hashing thread is taken'));
  return new Promise((resolve, reject) => {
    queue.push({
      password,
      salt,
      keyLength,
      options,
      deadline: performance.now() + withinMs,
      resolve,
      reject,
    });
    dispatch();
  });
}
