// Worker threads do not inherit the tsx loader of the thread that starts them: this plain-JS entry registers
// it, then loads the TypeScript module named in workerData.entry (which reads the rest of workerData).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
