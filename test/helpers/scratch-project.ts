// A scratch Gather project for `gather db` tests: a temp folder holding a copy of the schema module and
// the migrations, its own package.json, and its own empty database (a PGlite folder, or a new PostgreSQL
// database when DATABASE_URL is set). The CLI runs as a child process, as a user would run it.
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openData } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { type ScratchDatabase, scratchDatabase } from '../../tools/harness/scratch-database.ts';
import { type GatherRun, runGather } from '../../tools/harness/server-process.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Generous: on a loaded 2-core machine one `gather db` run (tsx + PGlite start) has taken 10 s. */
const CLI_TIMEOUT_MS = 120_000;

export type ScratchProject = {
  dir: string;
  /** The scratch PostgreSQL database; undefined on PGlite. */
  databaseUrl: string | undefined;
  /** Runs `gather db <args>` in the project folder against its database. */
  db(...args: string[]): Promise<GatherRun>;
  /** Opens the scratch database for the length of `fn` (PGlite allows one process at a time). */
  withDatabase<T>(fn: (database: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export async function scratchProject(): Promise<ScratchProject> {
  const dir = await mkdtemp(join(tmpdir(), 'gather-db-'));
  await cp(join(REPO, 'src/db/schema'), join(dir, 'src/db/schema'), { recursive: true });
  await cp(join(REPO, 'src/db/migrations'), join(dir, 'src/db/migrations'), { recursive: true });
  // The copied schema imports drizzle through src/db/orm.ts, and drizzle-orm from the repository's node_modules.
  await cp(join(REPO, 'src/db/orm.ts'), join(dir, 'src/db/orm.ts'));
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'scratch', type: 'module' })}\n`);

  const adminUrl = process.env.DATABASE_URL || undefined;
  const scratch: ScratchDatabase | undefined =
    adminUrl === undefined ? undefined : await scratchDatabase(adminUrl, 'gather_db_test');
  const databaseUrl = scratch?.url;
  const dataDir = join(dir, 'data');
  const env = { NODE_ENV: 'test', GATHER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl };

  return {
    dir,
    databaseUrl,
    db: (...args) => runGather(['db', ...args], { cwd: dir, env, timeoutMs: CLI_TIMEOUT_MS }),
    withDatabase: async (fn) => {
      const config = loadConfig({ NODE_ENV: 'test', GATHER_DATA_DIR: dataDir, DATABASE_URL: databaseUrl });
      const database = await openData({ config, migrations: 'untouched', holder: 'a test', poolMax: 1 });
      try {
        return await fn(database);
      } finally {
        await database.close();
      }
    },
    close: async () => {
      await scratch?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Everything that makes up the schema migrations apply to, from the catalogs: columns (order, type,
 * default, nullability, identity), indexes, constraints, triggers, functions and sequences. Equal dumps mean the
 * same schema.
 */
export async function dumpSchema(database: Database): Promise<Record<string, string[]>> {
  const queries: Record<string, string> = {
    // The column's rank, not ordinal_position: a dropped column keeps its attnum, so a column dropped and
    // added again comes back one number further on, though in the same place among the live columns.
    columns: `SELECT concat_ws(' | ', table_name, column_name,
                row_number() OVER (PARTITION BY table_name ORDER BY ordinal_position), data_type,
                column_default, is_nullable, is_identity, identity_generation, datetime_precision) AS line
              FROM information_schema.columns WHERE table_schema = current_schema()`,
    indexes: `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = current_schema()`,
    constraints: `SELECT concat_ws(' | ', c.relname, k.conname, pg_get_constraintdef(k.oid)) AS line
              FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
              WHERE c.relnamespace = current_schema()::regnamespace`,
    triggers: `SELECT pg_get_triggerdef(t.oid) AS line FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
              WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace`,
    functions: `SELECT concat_ws(' | ', proname, md5(prosrc)) AS line FROM pg_proc
              WHERE pronamespace = current_schema()::regnamespace`,
    sequences: `SELECT concat_ws(' | ', sequence_name, data_type, start_value, increment)
              AS line FROM information_schema.sequences WHERE sequence_schema = current_schema()`,
  };
  const dump: Record<string, string[]> = {};
  await database.withSession(async (session) => {
    for (const [name, text] of Object.entries(queries)) {
      const rows = await session.query<{ line: string }>(text);
      dump[name] = rows.map((row) => row.line).sort();
    }
  });
  return dump;
}

export async function appliedNames(database: Database): Promise<string[]> {
  return database.withSession(async (session) => {
    const rows = await session.query<{ name: string }>(
      'SELECT "name" FROM "gather_migrations" ORDER BY "name"',
    );
    return rows.map((row) => row.name);
  });
}

/** Polls `condition` every 100 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
