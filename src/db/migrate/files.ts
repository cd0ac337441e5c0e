// Migration files on disk: <migrations>/<NNNN_name>/{up.sql, down.sql, snapshot.json}, and backfill.sql when
// the migration has a data step (backfill.ts).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Backfill, parseBackfill } from './backfill.ts';
import { MigrationError } from './migration-error.ts';

export type Migration = Readonly<{
  /** Folder name, e.g. 0002_add_article_views: the number orders, the name describes. */
  name: string;
  dir: string;
  up: string;
  down: string;
  /** backfill.sql's data step, run in batches after up.sql commits. */
  backfill: Backfill | undefined;
  /** sha256 of up.sql, down.sql and backfill.sql (checksumOf): an applied migration whose files changed is refused. */
  checksum: string;
}>;

/**
 * Gather's own migrations folder, wherever the package is installed. Found from src/db/migrate/ and from
 * the compiled dist/db/migrate/ alike (both three levels below the package), so the build copies no SQL.
 */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../../src/db/migrations/', import.meta.url));

const MIGRATION_DIR = /^\d{4}_[a-z0-9_]+$/;

/** A `-- gather:allow <rule> <why>` line: what a reviewer accepted, not SQL that runs. */
const ACKNOWLEDGEMENT_LINE = /^[ \t]*--[ \t]*gather:allow\b.*(\n|$)/gm;

/**
 * sha256 of what up.sql, down.sql and backfill.sql (when there is one) execute. Acknowledgement lines are left
 * out: adding one to an applied migration (or to one written before the lint existed) changes nothing that ran.
 */
export function checksumOf(up: string, down: string, backfill?: string): string {
  const executed = (sql: string) => sql.replace(ACKNOWLEDGEMENT_LINE, '');
  const hash = createHash('sha256').update(executed(up)).update('\0').update(executed(down));
  if (backfill !== undefined) hash.update('\0').update(executed(backfill));
  return hash.digest('hex');
}

/** backfill.sql's text, when the migration has one. */
const readOptional = (path: string) =>
  readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });

export async function loadMigrations(migrationsDir: string = DEFAULT_MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    },
  );
  const names = entries
    .filter((entry) => entry.isDirectory() && MIGRATION_DIR.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const dir = join(migrationsDir, name);
      const [up, down, backfill] = await Promise.all([
        readFile(join(dir, 'up.sql'), 'utf8'),
        readFile(join(dir, 'down.sql'), 'utf8'),
        readOptional(join(dir, 'backfill.sql')),
      ]);
      return {
        name,
        dir,
        up,
        down,
        backfill: backfill === undefined ? undefined : parseBackfill(backfill, `${name}/backfill.sql`),
        checksum: checksumOf(up, down, backfill),
      };
    }),
  );
}

/** The drizzle-kit snapshot a migration leaves the schema in (what the next `migrate` diffs against). */
export async function readSnapshot(migration: Migration): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(migration.dir, 'snapshot.json'), 'utf8')) as Record<string, unknown>;
}

/** 0002_add_bio from the migrations so far and a free-form name ("add bio"). */
export function nextMigrationName(migrations: readonly Migration[], name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (slug === '') throw new MigrationError(`migration name "${name}" has no letters or digits`);
  const last = migrations.at(-1);
  const number = last === undefined ? 1 : Number(last.name.slice(0, 4)) + 1;
  return `${String(number).padStart(4, '0')}_${slug}`;
}

export async function writeMigration(
  migrationsDir: string,
  files: { name: string; up: string; down: string; snapshot: object },
): Promise<Migration> {
  const dir = join(migrationsDir, files.name);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'up.sql'), files.up),
    writeFile(join(dir, 'down.sql'), files.down),
    writeFile(join(dir, 'snapshot.json'), `${JSON.stringify(files.snapshot, null, 2)}\n`),
  ]);
  return {
    name: files.name,
    dir,
    up: files.up,
    down: files.down,
    backfill: undefined,
    checksum: checksumOf(files.up, files.down),
  };
}
