// buildTestApp(): a Gather app on its own fresh database, migrated, ready for app.inject().
// PGlite in memory by default; with DATABASE_URL, a new PostgreSQL database per app, dropped on close.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { loadMigrations } from '../../src/db/migrate/files.ts';
import { upgrade } from '../../src/db/migrate/runner.ts';
import { TraceStore } from '../../src/tracing/trace-store.ts';
import { scratchDatabase } from './scratch-database.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export type TestApp = {
  app: FastifyInstance;
  database: Database;
  config: Config;
  traces: TraceStore;
  close(): Promise<void>;
};

/** A fresh, empty database: PGlite in memory, or a new database on the PostgreSQL of DATABASE_URL. */
export async function freshDatabase(): Promise<{
  database: Database;
  url: string | undefined;
  drop(): Promise<void>;
}> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl === undefined || adminUrl === '') {
    const database = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://', poolMax: 1 });
    return { database, url: undefined, drop: () => database.close() };
  }
  const scratch = await scratchDatabase(adminUrl, 'gather_test');
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: 'memory://', poolMax: 10 });
  return {
    database,
    url: scratch.url,
    drop: async () => {
      await database.close();
      await scratch.drop();
    },
  };
}

export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATHER_TRACE: '1',
    // High enough that only the test about rate limits ever meets them.
    RATE_LIMIT_AUTH_MAX: '1000000',
    ...env,
  });
  const { database, drop } = await freshDatabase();
  await upgrade(database, await loadMigrations());
  const traces = new TraceStore(1_000);
  const app = await buildApp({ config, database, jwtSecret: TEST_JWT_SECRET, traces });
  await app.ready();
  return {
    app,
    database,
    config,
    traces,
    close: async () => {
      await app.close();
      await drop();
    },
  };
}
