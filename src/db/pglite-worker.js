// The embedded database's own thread: PGlite (PostgreSQL compiled to WebAssembly) runs every query as CPU
// work on the thread that calls it. Here that is this thread, not the event loop's, so HTTP parsing and
// serialisation go on while a query runs, and the loop sees PGlite as what a database is to it: I/O it awaits.
// pglite-thread.ts is the other side: it sends { id, kind, text, params, rowMode, keepText, prepared, lane } and
// gets back { id, result } or { id, error }; PGlite runs one statement at a time, in the turns drain() gives.
//
// Gather's own statements (features' prepare(), statement.ts) come marked `prepared`: as node-postgres does
// with a named statement, each is parsed and described once, then every run is one bind + execute + sync.
// PGlite's query() parses, describes and plans the text again on every call, in five calls into
// WebAssembly: most of a simple read's cost.
// Plain JavaScript: worker threads do not inherit the tsx loader of the thread that starts them.

import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, parse, protocol } from '@electric-sql/pglite';

const { serialize } = protocol;

/**
 * PostgreSQL's settings for the embedded engine. Its shared buffers are memory the process holds (PGlite's
 * WebAssembly memory never shrinks): PostgreSQL's default of 128 MB is for a server with the machine to itself;
 * 16 MB holds a board's hot pages (the demo and bench sets' indexes), and the OS caches the rest of the files.
 */
const SETTINGS = ['shared_buffers=16MB'];

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
const messages = (...parts) => Buffer.concat(parts);

/** Prepared statements by SQL text: their server-side name, parameter types and columns. */
const statements = new Map();
const NOT_SYNCED = { syncToFs: false };

async function prepare(text) {
  const name = `gather_${statements.size + 1}`;
  const { messages: described } = await db.execProtocol(
    messages(serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()),
    NOT_SYNCED,
  );
  // A statement that returns no rows (an insert without returning) is described by noData instead.
  const columns = described.find((message) => message.name === 'rowDescription')?.fields ?? [];
  const statement = {
    name,
    parameterTypes: parse.parseDescribeStatementResults(described),
    fields: columns.map(({ name, dataTypeID }) => ({ name, dataTypeID })),
    /** Each column's parser, by the list of types kept as text. */
    parsers: new Map(),
  };
  statements.set(text, statement);
  return statement;
}

/** Each column's parser: PGlite's for its type (what its query() applies), none when its text is kept. */
function columnParsers(statement, keptText) {
  const key = keptText.join(',');
  let parsers = statement.parsers.get(key);
  if (parsers === undefined) {
    parsers = statement.fields.map(({ dataTypeID }) =>
      keptText.includes(dataTypeID) ? undefined : db.parsers[dataTypeID],
    );
    statement.parsers.set(key, parsers);
  }
  return parsers;
}

/** Rows affected, from the command tag ("INSERT 0 3", "UPDATE 2"), as PGlite's query() counts them. */
function affectedRows(tag) {
  const [command, first, second] = tag.split(' ');
  if (command === 'INSERT') return Number(second);
  return ['UPDATE', 'DELETE', 'COPY', 'MERGE'].includes(command) ? Number(first) : 0;
}

/**
 * The results of a run, built straight from its data rows with the statement's columns and parsers worked out
 * once: PGlite's own result parser looks both up again for every value and builds each row through
 * Object.fromEntries, which was the largest part of this thread's time under load.
 */
function resultsOf(statement, answered, rowMode, keptText) {
  const { fields } = statement;
  const parsers = columnParsers(statement, keptText);
  const rows = [];
  let affected = 0;
  for (const message of answered) {
    if (message.name === 'dataRow') {
      const values = message.fields;
      for (let i = 0; i < values.length; i++) {
        const parseValue = parsers[i];
        if (values[i] !== null && parseValue !== undefined)
          values[i] = parseValue(values[i], fields[i].dataTypeID);
      }
      if (rowMode === 'array') rows.push(values);
      else {
        const row = {};
        for (let i = 0; i < values.length; i++) row[fields[i].name] = values[i];
        rows.push(row);
      }
    } else if (message.name === 'commandComplete') affected = affectedRows(message.text);
  }
  return { rows, fields, affectedRows: affected };
}

/** A prepared statement's run: its values serialised as PGlite's query() does, by each parameter's type. */
async function runPrepared(text, params, rowMode, keptText) {
  const statement = statements.get(text) ?? (await prepare(text));
  const values = params.map((value, i) => {
    if (value === null || value === undefined) return null;
    const serializeValue = db.serializers[statement.parameterTypes[i]];
    return serializeValue === undefined ? value.toString() : serializeValue(value);
  });
  const { messages: answered } = await db.execProtocol(
    messages(serialize.bind({ statement: statement.name, values }), serialize.execute({}), serialize.sync()),
    NOT_SYNCED,
  );
  if (!db.isInTransaction()) await db.syncToFs();
  return resultsOf(statement, answered, rowMode, keptText);
}

async function answer({ kind, text, params, rowMode, keepText: types, prepared }) {
  if (kind === 'query') {
    if (prepared) return runPrepared(text, params, rowMode, types);
    const options = { rowMode, ...(types.length > 0 && { parsers: textParsers(types) }) };
    return results(await db.query(text, params, options));
  }
  if (kind === 'exec') return (await db.exec(text)).map(results);
  if (kind === 'collect-garbage') {
    // This thread's heap, as src/cli/startup-memory.ts collects the server's (that module is TypeScript).
    v8.setFlagsFromString('--expose-gc');
    vm.runInNewContext('globalThis.gc')?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    return undefined;
  }
  await db.close();
  return undefined;
}

/** What to open (pglite-thread.ts, startThread): a folder, created or not, or memory from a tarball or not. */
const { dataDir, create, dumpTo, tarball } = workerData;
let db;
try {
  db = await PGlite.create(dataDir, {
    startParams: [...PGlite.defaultStartParams, ...SETTINGS.flatMap((setting) => ['-c', setting])],
    ...(tarball !== undefined && { loadDataDir: new Blob([readFileSync(tarball)]) }),
  });
  if (dumpTo !== undefined)
    writeFileSync(dumpTo, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
  parentPort.postMessage({ opened: true });
  if (create) {
    await db.close();
    process.exit(0);
  }
} catch (error) {
  parentPort.postMessage({ opened: false, error: plainError(error) });
  process.exit(1);
}

// Statements wait here for their turn. Those of a request carry its feature's lane (its bulkhead's name); the
// thread takes them round robin by lane, so a flood of one feature's reads queues behind itself and another
// feature's statement waits for one statement at most, not for the flood (PGlite runs one at a time). Within
// a lane they keep their order. Everything else (BEGIN, a transaction's statements, COMMIT, migrations, the
// close) runs in the order it came: whatever was sent before it runs before it, and after it, after.
const waiting = [];
/** Each lane's last turn, by a count of statements run: the lane served longest ago goes next. */
const lastTurn = new Map();
let turns = 0;

function nextMessage() {
  const barrier = waiting.findIndex((message) => message.lane === undefined);
  const candidates = barrier === -1 ? waiting.length : barrier;
  if (candidates === 0) return waiting.shift();
  let chosen = 0;
  for (let i = 1; i < candidates; i++) {
    if ((lastTurn.get(waiting[i].lane) ?? -1) < (lastTurn.get(waiting[chosen].lane) ?? -1)) chosen = i;
  }
  const [message] = waiting.splice(chosen, 1);
  lastTurn.set(message.lane, turns++);
  return message;
}

async function answerInTurn(message) {
  try {
    const result = await answer(message);
    parentPort.postMessage({ id: message.id, result });
    if (message.kind === 'close') parentPort.close();
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: plainError(error) });
  }
}

let draining = false;
async function drain() {
  draining = true;
  while (waiting.length > 0) {
    // Statements sent while the last one ran are delivered before the next is chosen: a macrotask's wait.
    await new Promise(setImmediate);
    await answerInTurn(nextMessage());
  }
  draining = false;
}

parentPort.on('message', (message) => {
  waiting.push(message);
  if (!draining) drain();
});
