// `gather serve --workers N`: the primary process forks N workers (each a full `gather serve` with its own
// database pool) that share the listening port through node:cluster. The primary serves nothing itself: it
// replaces a worker that dies, collects /metrics across workers, and drains them all on SIGTERM/SIGINT.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config.ts';
import { serveClusterMetrics } from '../metrics/cluster-metrics.ts';

export type PrimaryOptions = {
  config: Config;
  workers: number;
  /** How long workers get to finish in-flight requests after SIGTERM before they are killed. */
  graceMs: number;
  /** The start-up banner for the port the workers listen on: printed once, when all of them do. */
  banner: (port: number) => string;
};

/** Runs the primary until it is told to stop; resolves with the exit code. */
export function runPrimary({ config, workers, graceMs, banner }: PrimaryOptions): Promise<number> {
  if (config.gatherMetrics) serveClusterMetrics();
  console.log(
    `gather: primary pid ${process.pid} starting ${workers} workers on port ${config.port} ` +
      `(each with a pool of up to ${config.dbPoolMax} connections: ${workers * config.dbPoolMax} in all)`,
  );

  const live = new Set<Worker>();
  const listened = new Set<Worker>();
  let stopping = false;
  let failed = false;
  let announced = false;

  return new Promise<number>((resolve) => {
    const fork = () => live.add(cluster.fork());
    const stop = (reason: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`gather: ${reason}, draining ${live.size} workers`);
      for (const worker of live) worker.process.kill('SIGTERM');
      // Workers give up on in-flight requests after graceMs themselves; this is the backstop.
      setTimeout(() => {
        for (const worker of live) worker.process.kill('SIGKILL');
        console.error('gather: workers still running after the grace period, killed');
        resolve(1);
      }, graceMs + 2_000).unref();
      if (live.size === 0) resolve(1);
    };

    cluster.on('listening', (worker, address) => {
      listened.add(worker);
      console.log(
        `gather: worker ${worker.id} (pid ${worker.process.pid}) listening on ${address.address}:${address.port}`,
      );
      // Replacements for a dead worker listen again later: the banner is for the start.
      if (!announced && listened.size === workers) {
        announced = true;
        console.log(banner(address.port));
      }
    });
    cluster.on('exit', (worker, code, signal) => {
      live.delete(worker);
      const how = signal === null ? `exit code ${code}` : `signal ${signal}`;
      if (stopping) {
        // SIGTERM before a worker installed its handlers: it had nothing in flight.
        if (signal === null ? code !== 0 : signal !== 'SIGTERM') failed = true;
        if (live.size === 0) {
          console.log(failed ? 'gather: stopped, some workers failed' : 'gather: stopped');
          resolve(failed ? 1 : 0);
        }
      } else if (!listened.has(worker)) {
        // It never served: a replacement would fail the same way (port taken, database down).
        console.error(`gather: worker ${worker.id} failed to start (${how}); stopping`);
        failed = true;
        stop('a worker failed to start');
      } else {
        console.error(
          `gather: worker ${worker.id} (pid ${worker.process.pid}) died (${how}); starting a replacement`,
        );
        listened.delete(worker);
        fork();
      }
    });

    process.once('SIGTERM', () => stop('SIGTERM received'));
    process.once('SIGINT', () => stop('SIGINT received'));
    for (let i = 0; i < workers; i++) fork();
  });
}
