// A new embedded database is a copy of a template. PGlite creates a database by running PostgreSQL's initdb in
// WebAssembly, writing its files through a proxy file system: 2.4–3 s of one core on these machines, the most
// of a first start; copying the result takes ~0.1 s. The template is made once per PGlite version (by
// `gather db template`, which `npm install` runs, or else by the first database opened) and kept with the
// installed packages, in node_modules/.cache/gather, so that it goes when they go: a folder new folders are
// copies of, and the same files as one tarball, which an in-memory database loads (0.3 s against initdb's 1.4).
// Beside it, the same made once more with Gather's migrations applied, which a start that applies them at once
// (serve on a new folder) copies instead: no SQL parser loaded (~8 MB that glibc keeps after it) and no
// migrations run (~0.8 s) at a user's first start.
// Each copy and the templates themselves are built beside where they go and renamed into place: a kill at any
// point leaves none or a whole one. Copies share the template's system identifier (pg_control), which only
// replication reads; PGlite has none.
import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Migration } from './migrate/files.ts';

/** Where a new folder's files are built before they are renamed to pgdata: a start that finds it removes it. */
export const CREATING = 'pgdata.creating';

const TEMPLATES = fileURLToPath(new URL('../../node_modules/.cache/gather/', import.meta.url));

/** The installed PGlite's version: a template is only ever copied for the PGlite that made it. */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = join(dirname(entry), '..', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The template for the installed PGlite: a database's folder, and the same files as a tarball. */
export type Template = Readonly<{ folder: string; tarball: string }>;

export function templateFor(folder = join(TEMPLATES, `pglite-${pgliteVersion()}`)): Template {
  return { folder, tarball: `${folder}.tar` };
}

/** Creates a database at a folder that does not exist yet, and when asked a tarball of its files. */
export type Initdb = (folder: string, tarball?: string) => Promise<void>;

/** Where one maker builds a template before renaming it into place: `<name>.<pid>-<random>`, unique to each. */
const partialOf = (path: string) => `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
const PARTIAL = /\.(\d+)-[0-9a-f]{8}(?:\.tar)?$/;

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Partial templates whose maker is gone (killed while making one): nothing will rename or remove them. */
async function removeAbandoned(folder: string): Promise<void> {
  const abandoned = (await readdir(folder)).filter((name) => {
    const pid = PARTIAL.exec(name)?.[1];
    return pid !== undefined && !isRunning(Number(pid));
  });
  await Promise.all(abandoned.map((name) => rm(join(folder, name), { recursive: true, force: true })));
}

const isWhole = (template: Template) =>
  existsSync(join(template.folder, 'PG_VERSION')) && existsSync(template.tarball);

/** `from`'s files at `to` (which must not exist), copied in parallel. */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map((entry) =>
      entry.isDirectory()
        ? copyTree(join(from, entry.name), join(to, entry.name))
        : copyFile(join(from, entry.name), join(to, entry.name)),
    ),
  );
}

/**
 * The template, made with `initdb` if it is missing; undefined when it cannot be kept (node_modules not
 * writable by this user): a new database is then created by initdb itself, as slowly as before.
 */
export async function ensureTemplate(
  initdb: Initdb,
  template = templateFor(),
): Promise<Template | undefined> {
  if (isWhole(template)) return template;
  try {
    await mkdir(dirname(template.folder), { recursive: true });
    await access(dirname(template.folder), constants.W_OK);
  } catch {
    return undefined;
  }
  await removeAbandoned(dirname(template.folder));
  // Each maker its own: processes, and calls within one, may make it at the same time.
  const partial = templateFor(partialOf(template.folder));
  const removePartial = () =>
    Promise.all([partial.folder, partial.tarball].map((path) => rm(path, { recursive: true, force: true })));
  try {
    await initdb(partial.folder, partial.tarball);
    // The folder last: it is what says the template is whole.
    await rename(partial.tarball, template.tarball);
    await rename(partial.folder, template.folder);
  } catch (error) {
    await removePartial();
    // Another process made it first (a rename onto its folder): theirs is as good.
    if (isWhole(template)) return template;
    throw error;
  }
  return template;
}

/**
 * Where the template with `migrations` applied is kept: named by their names and checksums, so that a copy is
 * only ever made for the migrations it has (a migration added or edited since names another folder).
 */
export function migratedTemplateFor(migrations: readonly Migration[], template = templateFor()): string {
  const hash = createHash('sha256');
  for (const { name, checksum } of migrations) hash.update(`${name} ${checksum}\n`);
  return `${template.folder}-${migrations.at(-1)?.name ?? 'none'}-${hash.digest('hex').slice(0, 12)}`;
}

/** Applies the migrations to a new data folder (its database in `dataDir`/pgdata), then closes it. */
export type MigrateFolder = (dataDir: string) => Promise<void>;

/** Migrated templates made for other migrations than the current ones: no start will copy them again. */
async function removeOtherMigrated(current: string, template: Template): Promise<void> {
  const prefix = `${basename(template.folder)}-`;
  const others = (await readdir(dirname(current))).filter(
    // A name with a dot after the prefix is another process's template being made, or a tarball.
    (name) =>
      name.startsWith(prefix) && !name.slice(prefix.length).includes('.') && name !== basename(current),
  );
  await Promise.all(others.map((name) => rm(join(dirname(current), name), { recursive: true, force: true })));
}

/** `template` with `migrations` applied (by `migrate`, on a copy of it), made if missing. */
export async function ensureMigratedTemplate(
  template: Template,
  migrations: readonly Migration[],
  migrate: MigrateFolder,
): Promise<string> {
  const folder = migratedTemplateFor(migrations, template);
  if (existsSync(join(folder, 'PG_VERSION'))) return folder;
  await removeAbandoned(dirname(folder));
  const partial = partialOf(folder);
  try {
    await migrate(partial);
    await rename(join(partial, 'pgdata'), folder);
  } catch (error) {
    // Another process made it first (a rename onto its folder): theirs is as good.
    if (!existsSync(join(folder, 'PG_VERSION'))) throw error;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  await removeOtherMigrated(folder, template);
  return folder;
}

/** The migrations a new folder's opener applies at once; `onCopied` is told when the folder has them already. */
export type Migrating = Readonly<{ migrations: readonly Migration[]; onCopied?: () => void }>;

/**
 * Creates the database at `pgdata` (which holds none): a copy of the template, built beside it, then renamed;
 * of the migrated one when it exists for the migrations the opener applies next.
 */
export async function createPgdata(pgdata: string, initdb: Initdb, migrating?: Migrating): Promise<void> {
  const building = join(dirname(pgdata), CREATING);
  await rm(building, { recursive: true, force: true });
  const template = await ensureTemplate(initdb);
  const migrated = template && migrating && migratedTemplateFor(migrating.migrations, template);
  const copied = migrated !== undefined && existsSync(join(migrated, 'PG_VERSION'));
  if (template === undefined) await initdb(building);
  else await copyTree(copied ? migrated : template.folder, building);
  await rename(building, pgdata);
  if (copied) migrating?.onCopied?.();
}
