// The load generator's own process (spawned by load.ts; never inside a server's process): autocannon
// through its API, so that each write can get a fresh title. (The CLI's -I id replacement declares a
// Content-Length for a 33-character id and can send fewer bytes, which leaves the server waiting.)
// Usage: node --import tsx bench/lib/load-runner.ts '<LoadSpec as JSON>'  → autocannon's result as JSON.
import autocannon from 'autocannon';

export type LoadSpec = {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** JSON body; every `[<id>]` in it becomes a fresh id per request. */
  body?: string;
  connections: number;
  seconds: number;
};

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
let sent = 0;
const result = await autocannon({
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
});
process.stdout.write(JSON.stringify(result));
