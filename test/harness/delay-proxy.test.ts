// The delaying proxy: bytes arrive intact and in order, and a round trip costs at least the added RTT.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { type DelayProxy, startDelayProxy } from '../../tools/harness/delay-proxy.ts';

const RTT_MS = 30;
/** Every wait on a socket is bounded: a proxy that loses bytes or a half-close fails the test, never hangs it. */
const bounded = () => ({ signal: AbortSignal.timeout(5_000) });
const echo = createServer((socket) => socket.pipe(socket));
let proxy: DelayProxy;

before(async () => {
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const { port } = echo.address() as AddressInfo;
  proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, rttMs: RTT_MS });
});

after(async () => {
  await proxy.close();
  echo.close();
});

test('a round trip through the proxy takes at least the added RTT, bytes in order', async () => {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  await once(socket, 'connect', bounded());
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const expected = Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join('');

  const started = performance.now();
  // Many small writes over time: the order must survive the per-chunk timers.
  for (const line of expected.split(/(?<=\n)/)) socket.write(line);
  while (Buffer.concat(received).length < expected.length) await once(socket, 'data', bounded());
  const elapsed = performance.now() - started;

  assert.equal(Buffer.concat(received).toString(), expected);
  assert.ok(elapsed >= RTT_MS - 1, `round trip took ${elapsed.toFixed(1)} ms, expected ≥ ${RTT_MS} ms`);
  assert.equal(proxy.connections(), 1);
  socket.destroy();
});

test('a half-close reaches the target after the data before it', async () => {
  const socket = connect({ host: '127.0.0.1', port: proxy.port });
  await once(socket, 'connect', bounded());
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const started = performance.now();
  socket.end('last words');
  await once(socket, 'end', bounded());
  const elapsed = performance.now() - started;
  // The echo answers the data and then ends; both travel back through the delayed queue, data first.
  assert.equal(Buffer.concat(chunks).toString(), 'last words');
  assert.ok(
    elapsed >= RTT_MS - 1,
    `the end came back after ${elapsed.toFixed(1)} ms, expected ≥ ${RTT_MS} ms`,
  );
});
