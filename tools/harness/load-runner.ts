// The load generator's own process (spawned by load.ts; never inside a server's process). Two kinds of
// clients, each `connections` keep-alive connections sending back to back for `seconds`:
// - autocannon (through its API, so that each write can get a fresh title: the CLI's -I id replacement
//   declares a Content-Length for a 33-character id and can send fewer bytes, leaving the server waiting);
//   a refused request is sent again at once, whatever the server said;
// - clients that honour Retry-After (./retry-after-clients.ts): after a 503 a connection waits as told.
// Usage: node --import tsx tools/harness/load-runner.ts '<LoadSpec as JSON>' → the run's figures as JSON,
// with the latencies of each status code apart (an overloaded server's fast 503s must not hide slow 200s).
import autocannon from 'autocannon';
import type { LoadSpec, RunFigures } from './load-spec.ts';
import { runRetryAfterClients } from './retry-after-clients.ts';
import { byStatus } from './stats.ts';

async function runAutocannon(spec: LoadSpec): Promise<RunFigures> {
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
  return { ...result, byStatus: byStatus(latencies) };
}

if (process.argv[1] === import.meta.filename) {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const figures =
    spec.clients === 'retry-after' ? await runRetryAfterClients(spec) : await runAutocannon(spec);
  process.stdout.write(JSON.stringify(figures));
}
