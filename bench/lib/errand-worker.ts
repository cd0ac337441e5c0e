// One errand in a worker thread: "another person". Connects its own database client, says it is ready,
// runs the errand when told to go (with the shared t0), reports the result and closes.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { clockFrom, type Errand, runErrand } from './errands.ts';

export type ErrandWorkerData = {
  errand: Errand;
  connectionString: string;
  stuckIterations: number;
  runner: string;
};
export type GoMessage = { epochT0: number };

const { errand, connectionString, stuckIterations, runner } = workerData as ErrandWorkerData;
const port = parentPort!;
const client = errand.kind === 'io' ? new pg.Client({ connectionString }) : undefined;
await client?.connect();
port.postMessage('ready');
port.once('message', async ({ epochT0 }: GoMessage) => {
  try {
    port.postMessage(await runErrand(errand, { client, stuckIterations, clock: clockFrom(epochT0), runner }));
  } finally {
    await client?.end();
    port.close();
  }
});
