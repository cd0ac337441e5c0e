// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs every query as CPU
// work on the thread that calls it. Here that is this thread, not the event loop's, so HTTP parsing and
// serialisation go on while a query runs, and the loop sees PGlite as what a database is to it: I/O it awaits.
// pglite-thread.ts is the other side: it sends { id, kind, text, params, rowMode, keepText } and gets back
// { id, result } or { id, error }; PGlite itself runs one statement at a time, in the order they came.
// Plain JavaScript: worker threads do not inherit the tsx loader of the thread that starts them.

import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

const keepText = (value) => value;
/** PGlite's `parsers` option for a list of type OIDs whose values stay as PostgreSQL's text. */
const parsersFor = new Map();
function textParsers(types) {
  const key = types.join(',');
  let parsers = parsersFor.get(key);
  if (parsers === undefined) {
    parsers = Object.fromEntries(types.map((type) => [type, keepText]));
    parsersFor.set(key, parsers);
  }
  return parsers;
}

/** What crosses back of an error: its message and every plain field (code, constraint, detail…). */
function plainError(error) {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = { name: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  }
  return fields;
}

const results = ({ rows, fields, affectedRows }) => ({ rows, fields, affectedRows });

async function answer({ kind, text, params, rowMode, keepText: types }) {
  if (kind === 'query') {
    const options = { rowMode, ...(types.length > 0 && { parsers: textParsers(types) }) };
    return results(await db.query(text, params, options));
  }
  if (kind === 'exec') return (await db.exec(text)).map(results);
  await db.close();
  return undefined;
}

let db;
try {
  db = await PGlite.create(workerData.dataDir);
  parentPort.postMessage({ opened: true });
} catch (error) {
  parentPort.postMessage({ opened: false, error: plainError(error) });
  process.exit(1);
}

parentPort.on('message', (message) => {
  answer(message).then(
    (result) => {
      parentPort.postMessage({ id: message.id, result });
      if (message.kind === 'close') parentPort.close();
    },
    (error) => parentPort.postMessage({ id: message.id, error: plainError(error) }),
  );
});
