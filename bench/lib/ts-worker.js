// Worker threads do not inherit a loader registered by the thread that starts them: on a Node that does not
// strip types itself, this plain-JS entry registers tsx; then it loads the TypeScript module named in
// workerData.entry (which reads the rest of workerData).
import { workerData } from 'node:worker_threads';

if (!process.features.typescript) (await import('tsx/esm/api')).register();
await import(workerData.entry);
