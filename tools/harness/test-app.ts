// bootTestApp(): Gather booted on a fresh database of its own, migrated, ready for app.inject().
// PGlite in memory by default; with DATABASE_URL, a new PostgreSQL database per app, dropped on close.
import { bootGather, type Gather, openData } from '../../src/boot.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import type { Instrument } from '../../src/instrument.ts';
import { TraceStore } from '../../src/tracing/trace-store.ts';
import { scratchDatabase } from './scratch-database.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export type TestApp = Gather & { traces: TraceStore };

/**
 * Request budgets for a test's server: a test shares two cores with others, and a loaded machine makes a cold
 * server slow, not overloaded. Only the tests of deadlines and shedding meet the real defaults. The statement
 * timeout too: a test's own setup and checks (4,500 articles in one INSERT, the counters of 20,000) ran past
 * the 2 s default on a loaded CI machine.
 */
export const TEST_BUDGET_ENV = {
  REQUEST_TIMEOUT_MS: '60000',
  DB_STATEMENT_TIMEOUT_MS: '60000',
  SHED_EVENT_LOOP_DELAY_MS: '60000',
  MAX_REQUESTS_IN_FLIGHT: '1000000',
} as const;

/** Where a fresh database lives: in memory, or a new database on the PostgreSQL server of DATABASE_URL. */
async function freshLocation(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    return { env: { GATHER_DATA_DIR: 'memory://' }, drop: async () => {} };
  }
  const scratch = await scratchDatabase(adminUrl, 'gather_test');
  return { env: { DATABASE_URL: scratch.url, GATHER_DATA_DIR: 'memory://' }, drop: scratch.drop };
}

function testConfig(env: Record<string, string>): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATHER_TRACE: '1',
    JWT_SECRET: TEST_JWT_SECRET,
    ...TEST_BUDGET_ENV,
    // High enough that only the test about rate limits ever meets them.
    LOGIN_FAILURES_PER_ACCOUNT: '1000000/1m',
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: '1000000/1m',
    LOGIN_FAILURES_PER_ADDRESS: '1000000/1m',
    REGISTRATIONS_PER_ADDRESS: '1000000/1m',
    ...env,
  });
}

/** A fresh, empty database (not migrated): PGlite in memory, or a new database on DATABASE_URL's server. */
export async function freshDatabase(): Promise<{
  database: Database;
  url: string | undefined;
  drop(): Promise<void>;
}> {
  const location = await freshLocation();
  const database = await openData({
    config: testConfig(location.env),
    migrations: 'untouched',
    holder: 'a test',
  });
  return {
    database,
    url: location.env.DATABASE_URL,
    drop: async () => {
      await database.close();
      await location.drop();
    },
  };
}

/** Gather on a fresh database; `instrument` observes its data path in place of tracing's recorder. */
export async function bootTestApp(
  env: Record<string, string> = {},
  instrument?: Instrument,
): Promise<TestApp> {
  const location = await freshLocation();
  const traces = new TraceStore(1_000);
  const gather = await bootGather({
    config: testConfig({ ...location.env, ...env }),
    migrations: 'apply',
    holder: 'a test',
    traces,
    instrument,
  }).catch(async (error: unknown) => {
    await location.drop();
    throw error;
  });
  return {
    ...gather,
    traces,
    close: async () => {
      await gather.close();
      await location.drop();
    },
  };
}
