// The load generator's own process (spawned by load.ts; never inside a server's process): autocannon
// through its API, so that each write can get a fresh title. (The CLI's -I id replacement declares a
// Content-Length for a 33-character id and can send fewer bytes, which leaves the server waiting.)
// Usage: node --import tsx tools/harness/load-runner.ts '<LoadSpec as JSON>'  → autocannon's result as JSON,
// with the latencies of each status code apart (an overloaded server's fast 503s must not hide slow 200s).
import autocannon from 'autocannon';
import { percentile } from './stats.ts';

export type LoadSpec = {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** JSON body; every `[<id>]` in it becomes a fresh id per request. */
  body?: string;
  connections: number;
  seconds: number;
};

/** Per status code: how many, and their latency percentiles in ms. */
export type StatusLatency = Record<string, { count: number; p50: number; p99: number; max: number }>;

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
let sent = 0;
const latencies = new Map<number, number[]>();
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(
    {
      url: spec.url,
      method: spec.method,
      headers: spec.headers,
      connections: spec.connections,
      duration: spec.seconds,
      requests: [
        {
          setupRequest: (request) =>
            spec.body === undefined
              ? request
              : { ...request, body: spec.body.replaceAll('[<id>]', `${process.pid}-${++sent}`) },
        },
      ],
    },
    (error, done) => (error ? reject(error) : resolve(done)),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    const list = latencies.get(statusCode) ?? [];
    list.push(responseTime);
    latencies.set(statusCode, list);
  });
});
const byStatus: StatusLatency = Object.fromEntries(
  [...latencies].map(([status, ms]) => [
    status,
    { count: ms.length, p50: percentile(ms, 50), p99: percentile(ms, 99), max: percentile(ms, 100) },
  ]),
);
process.stdout.write(JSON.stringify({ ...result, byStatus }));
