// Starting a TypeScript module in a worker thread (through ts-worker.js), and waiting for its messages with
// a bound on the wait.
import { Worker } from 'node:worker_threads';

const BOOTSTRAP = new URL('./ts-worker.js', import.meta.url);

/** A worker thread running `entry` (a .ts module URL); `data` is its workerData, next to `entry`. */
export function startTsWorker(entry: URL, data: Record<string, unknown>): Worker {
  return new Worker(BOOTSTRAP, { workerData: { ...data, entry: entry.href } });
}

/** The worker's next message, or an error if it fails, exits or says nothing for `timeoutMs`. */
export function nextMessage<T>(worker: Worker, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`worker silent for ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: T) => finish(undefined, message);
    const onError = (error: Error) => finish(error);
    const onExit = (code: number) => finish(new Error(`worker exited with ${code}`));
    function finish(error: Error | undefined, message?: T) {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (error === undefined) resolve(message as T);
      else reject(error);
    }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}
