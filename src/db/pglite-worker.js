// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs every query as CPU
// work on the thread that calls it. Here that is this thread, not the event loop's, so HTTP parsing and
// serialisation go on while a query runs, and the loop sees PGlite as what a database is to it: I/O it awaits.
// pglite-thread.ts is the other side: it sends { id, kind, text, params, rowMode, keepText, prepared } and gets
// back { id, result } or { id, error }; PGlite itself runs one statement at a time, in the order they came.
//
// Gather's own statements (features' prepare(), statement.ts) come marked `prepared`: as node-postgres does
// with a named statement, each is parsed and described once, then every run is one bind + execute + sync.
// PGlite's query() parses, describes and plans the text again on every call, in five calls into
// WebAssembly: most of a simple read's cost.
// Plain JavaScript: worker threads do not inherit the tsx loader of the thread that starts them.

import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, parse, protocol } from '@electric-sql/pglite';

const { serialize } = protocol;

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

/** One buffer of several protocol messages: PostgreSQL reads them in order, in one call into WebAssembly. */
function messages(...parts) {
  const buffer = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let at = 0;
  for (const part of parts) {
    buffer.set(part, at);
    at += part.length;
  }
  return buffer;
}

/** Prepared statements by SQL text: their server-side name, parameter types and row description. */
const statements = new Map();
const NOT_SYNCED = { syncToFs: false };

async function prepare(text) {
  const name = `gather_${statements.size + 1}`;
  const { messages: described } = await db.execProtocol(
    messages(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()),
    NOT_SYNCED,
  );
  const statement = {
    name,
    parameterTypes: parse.parseDescribeStatementResults(described),
    // A statement that returns no rows (an insert without returning) is described by noData instead.
    rowDescription: described.filter((message) => message.name === 'rowDescription'),
  };
  statements.set(text, statement);
  return statement;
}

/** A prepared statement's run: its values serialised as PGlite's query() does, by each parameter's type. */
function runPrepared(text, params, options) {
  return db.runExclusive(async () => {
    const statement = statements.get(text) ?? (await prepare(text));
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializeValue = db.serializers[statement.parameterTypes[i]];
      return serializeValue === undefined ? value.toString() : serializeValue(value);
    });
    const { messages: answered } = await db.execProtocol(
      messages(
        serialize.bind({ statement: statement.name, values }),
        serialize.execute({}),
        serialize.sync(),
      ),
      NOT_SYNCED,
    );
    if (!db.isInTransaction()) await db.syncToFs();
    return parse.parseResults([...statement.rowDescription, ...answered], db.parsers, options)[0];
  });
}

async function answer({ kind, text, params, rowMode, keepText: types, prepared }) {
  if (kind === 'query') {
    const options = { rowMode, ...(types.length > 0 && { parsers: textParsers(types) }) };
    return results(
      prepared ? await runPrepared(text, params, options) : await db.query(text, params, options),
    );
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
