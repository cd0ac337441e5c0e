// A delaying TCP proxy on loopback: a stand-in for a network between Gather and its database.
// The delay is applied PER DIRECTION: every chunk waits rttMs/2 before it is forwarded, client → target
// and target → client, so one request/response round trip costs rttMs on top of the real one.
// Chunks keep their order (one FIFO queue per direction), and a chunk's delay starts when it arrives,
// so pipelined or concurrent traffic on different connections is delayed in parallel, as on a real wire.
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';

export type DelayProxyOptions = Readonly<{
  targetHost: string;
  targetPort: number;
  /** Added round-trip time in milliseconds (half of it each way); 0 forwards without delay. */
  rttMs: number;
  /** Loopback port to listen on; 0 (default) picks a free one. */
  port?: number;
}>;

export type DelayProxy = Readonly<{
  /** The loopback port clients connect to instead of the target's. */
  port: number;
  /** Changes the added round-trip time from now on (chunks already waiting keep theirs). */
  setRtt(ms: number): void;
  /** Open client connections (each has its own connection to the target). */
  connections(): number;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}>;

/**
 * Timers fire on whole milliseconds of the loop's clock, so a timer set for the exact due time is up to
 * ~1.5 ms late on each hop: a timer is set to fire up to this much early, and the last stretch is waited
 * out with setImmediate (the loop keeps serving I/O meanwhile). No chunk ever leaves before it is due.
 */
const TIMER_SLACK_MS = 2;

/** Forwards `from` → `to`, each chunk held back `delay.oneWayMs` after it arrived, in arrival order. */
function forwardDelayed(from: Socket, to: Socket, delay: { oneWayMs: number }): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let ended = false;

  const waitFor = (ms: number) => {
    if (ms > TIMER_SLACK_MS) timer = setTimeout(flush, ms - TIMER_SLACK_MS);
    else immediate = setImmediate(flush);
  };
  const flush = () => {
    timer = undefined;
    immediate = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) to.write(queue.shift()!.chunk);
    if (queue.length > 0) waitFor(queue[0]!.due - now);
    else if (ended) to.end();
  };
  const waiting = () => timer !== undefined || immediate !== undefined;

  from.on('data', (chunk: Buffer) => {
    const delayMs = delay.oneWayMs;
    if (delayMs === 0 && queue.length === 0) {
      to.write(chunk);
      return;
    }
    // Never before a chunk that arrived earlier: the order holds when the delay shrinks.
    const due = Math.max(performance.now() + delayMs, queue.at(-1)?.due ?? 0);
    queue.push({ due, chunk });
    if (!waiting()) waitFor(due - performance.now());
  });
  // A half-close travels with the same delay as the data before it.
  from.on('end', () => {
    ended = true;
    if (!waiting()) flush();
  });
  // A socket closes once both of its directions are done, which can be before the delayed chunks
  // and the half-close went out: after a clean end the queue still drains. Only an abrupt close
  // (no end first) drops what is queued and cuts the other side, like a reset on a real wire.
  from.on('close', () => {
    if (ended) return;
    clearTimeout(timer);
    clearImmediate(immediate);
    to.destroy();
  });
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const delay = { oneWayMs: Math.max(0, options.rttMs) / 2 };
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();

  const server = createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const upstream = tcpConnect({
      host: options.targetHost,
      port: options.targetPort,
      noDelay: true,
      allowHalfOpen: true,
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      // A reset on one side closes the other; the error itself is the peer's to report.
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    forwardDelayed(client, upstream, delay);
    forwardDelayed(upstream, client, delay);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('delay proxy: no TCP address');

  return {
    port: address.port,
    setRtt: (ms) => {
      delay.oneWayMs = Math.max(0, ms) / 2;
    },
    connections: () => clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
