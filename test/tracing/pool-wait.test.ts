// Waits for a PostgreSQL pool connection are spans of their own, drawn as calls to the Pool.
// PostgreSQL only (PGlite is one connection, with no pool): skipped without DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openData } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { sql } from '../../src/db/orm.ts';
import { renderSequenceDiagram } from '../../src/tracing/mermaid.ts';
import { newTrace, type RequestTrace, runInTrace } from '../../src/tracing/recorder.ts';
import { freshDatabase } from '../../tools/harness/test-app.ts';
import { parseSequence } from '../helpers/parse-diagram.ts';

const postgres = Boolean(process.env.DATABASE_URL);
const options = { skip: postgres ? false : 'needs PostgreSQL (DATABASE_URL)' };

let url: string;
let drop: () => Promise<void> = async () => {};
const opened: Database[] = [];
before(async () => {
  if (!postgres) return;
  const fresh = await freshDatabase();
  url = fresh.url!;
  drop = fresh.drop;
});
after(async () => {
  for (const database of opened) await database.close();
  await drop();
});

async function pool(poolMax: number): Promise<Database> {
  const config = loadConfig({ NODE_ENV: 'test', GATHER_TRACE: '1', DATABASE_URL: url });
  const database = await openData({ config, migrations: 'untouched', holder: 'a test', poolMax });
  opened.push(database);
  return database;
}

async function traced(run: () => Promise<unknown>): Promise<RequestTrace> {
  const trace = newTrace('pool-test', 'GET', '/pool-test');
  await runInTrace(trace, run);
  trace.end = performance.now();
  trace.status = 200;
  return trace;
}

test(
  'with one connection, the second of two concurrent queries waits for it, and the diagram says so',
  options,
  async () => {
    const database = await pool(1);
    await database.ping(); // one idle connection
    const trace = await traced(() =>
      Promise.all([database.db.execute(sql`select pg_sleep(0.05)`), database.db.execute(sql`select 1`)]),
    );
    const waits = trace.spans.filter((span) => span.kind === 'pool-wait');
    assert.equal(waits.length, 1);
    assert.ok(
      waits[0]!.end - waits[0]!.start >= 45,
      'it waited for the sleeping query to give the connection back',
    );

    const { actors, statements } = await parseSequence(renderSequenceDiagram(trace));
    assert.deepEqual(actors, ['Client', 'Gather', 'Pool', 'Database']);
    assert.ok(
      statements.some((s) => s.type === 'call' && s.to === 'Pool' && s.text === 'wait for a pool connection'),
    );
    assert.ok(statements.some((s) => s.type === 'reply' && s.from === 'Pool' && s.text === 'connection'));
    assert.ok(statements.some((s) => s.type === 'note' && /^waited \d+\.\d\d ms, from \+/.test(s.text)));
    assert.ok(
      statements.some((s) => s.type === 'par'),
      'the wait overlaps the query that holds the connection',
    );
  },
);

test(
  'one idle connection serves one of two concurrent queries: the other one is drawn waiting',
  options,
  async () => {
    const database = await pool(2);
    await database.ping(); // exactly one idle connection, promised to the first caller
    const trace = await traced(() =>
      Promise.all([database.db.execute(sql`select 1`), database.db.execute(sql`select 2`)]),
    );
    assert.equal(trace.spans.filter((span) => span.kind === 'pool-wait').length, 1);
    assert.equal(trace.spans.filter((span) => span.kind === 'query').length, 2);
    // Both connections are idle now: two more concurrent queries wait for nothing.
    const warm = await traced(() =>
      Promise.all([database.db.execute(sql`select 3`), database.db.execute(sql`select 4`)]),
    );
    assert.equal(warm.spans.filter((span) => span.kind === 'pool-wait').length, 0);
  },
);
