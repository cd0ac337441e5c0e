// The delay proxy in a thread of its own: the network must keep moving bytes while the lab's main thread is
// stuck in its CPU loop (a proxy on that thread would stall with it and blur what the lab shows).
import { parentPort, workerData } from 'node:worker_threads';
import { startDelayProxy } from '../../tools/harness/delay-proxy.ts';

const { targetHost, targetPort, rttMs } = workerData as {
  targetHost: string;
  targetPort: number;
  rttMs: number;
};
const proxy = await startDelayProxy({ targetHost, targetPort, rttMs });
parentPort!.postMessage({ port: proxy.port });
// Any message from the parent means: close.
parentPort!.once('message', async () => {
  await proxy.close();
  parentPort!.close();
});
