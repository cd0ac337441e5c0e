// The embedded database's folder (GATHER_DATA_DIR): PostgreSQL's files in pgdata/, and beside them Gather's
// own, the lock and the JWT secret. One PGlite folder belongs to one process: two that both open it corrupt
// it. So whoever opens it takes an OS lock on `gather.lock` first and holds it while open; the kernel drops
// the lock when its holder exits, however it exits (kill -9 included), so a lock is never left stale.
import { type FileHandle, mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tryLock, unlock } from 'fs-native-extensions';
import { CommandError } from '../command-error.ts';
import { ConfigError } from '../settings.ts';
import { UPGRADE_FILES, upgradeFolder } from './folder-upgrade.ts';
import { CREATING } from './pglite-template.ts';

const LOCK_FILE = 'gather.lock';
/** Gather's files in the folder; anything else beside them that is not PostgreSQL's is refused. */
const GATHER_FILES = new Set([LOCK_FILE, 'jwt-secret', CREATING, ...UPGRADE_FILES]);
const PGDATA = 'pgdata';

/** Who holds the folder, as written in its lock file. */
type Holder = { pid: number; command: string; since: string; url?: string };

export type DataFolder = Readonly<{
  /** The folder PGlite opens: dir/pgdata, or dir itself for a folder made before pgdata/ existed. */
  pgdata: string;
  /** The process that held the folder last and is gone without releasing it (killed), if one did. */
  staleHolder: string | undefined;
  /** Adds where the holder can be reached (a server's URL) to what a refused process is told. */
  announce(url: string): Promise<void>;
  release(): Promise<void>;
}>;

function describe(holder: Holder): string {
  const since = holder.since.slice(11, 19);
  return `${holder.command} (pid ${holder.pid}, since ${since} UTC${holder.url ? `, serving ${holder.url}` : ''})`;
}

async function readHolder(handle: FileHandle): Promise<Holder | undefined> {
  const text = (await handle.readFile('utf8')).trim();
  try {
    return text === '' ? undefined : (JSON.parse(text) as Holder);
  } catch {
    return undefined;
  }
}

async function writeHolder(handle: FileHandle, holder: Holder): Promise<void> {
  await handle.truncate(0);
  await handle.write(`${JSON.stringify(holder)}\n`, 0);
}

/** What the refused command can do instead, while the holder serves at `url`. */
function instead(command: string, url: string): string {
  if (command === 'gather seed') return `; to fill it while it runs: gather seed --url ${url}`;
  if (command === 'gather trace') return `; it traces its own requests: ${url}/_gather/traces`;
  return '';
}

function refusal(dir: string, command: string, holder: Holder | undefined): CommandError {
  const who = holder === undefined ? 'another process' : describe(holder);
  return new CommandError(
    `the data folder ${dir} is in use by ${who}: one embedded database belongs to one process; ` +
      `stop that process first, or set GATHER_DATA_DIR to another folder` +
      (holder?.url === undefined ? '' : instead(command, holder.url)),
  );
}

/** mkdir -p, by hand: Node's recursive mkdir never returns for a path under /proc (it retries forever). */
async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    await makeFolder(dirname(dir));
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}

/** The data folder, created if missing; one line with the fix when it cannot be. */
export async function createDataFolder(dir: string): Promise<void> {
  try {
    await makeFolder(resolve(dir));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(
      `cannot create the data folder ${dir} (${code}): set GATHER_DATA_DIR to a folder this user can write`,
    );
  }
}

async function openLockFile(dir: string): Promise<FileHandle> {
  try {
    return await open(join(dir, LOCK_FILE), 'a+', 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CommandError(
      `the data folder ${dir} is not writable (${code}): set GATHER_DATA_DIR to a folder this user can write`,
    );
  }
}

/** Where PostgreSQL's files are: pgdata/, or the folder itself when an earlier Gather put them there. */
async function pgdataOf(dir: string): Promise<string> {
  const entries = await readdir(dir);
  if (entries.includes('PG_VERSION')) return dir;
  const foreign = entries.filter((name) => name !== PGDATA && !GATHER_FILES.has(name));
  if (foreign.length > 0) {
    throw new ConfigError(
      `GATHER_DATA_DIR ${dir} holds files but no PGlite database (${foreign.slice(0, 3).join(', ')}): use a new or empty folder`,
    );
  }
  return join(dir, PGDATA);
}

/**
 * Creates the folder if needed and locks it for this process (`command` says who, to whoever is refused);
 * refuses in one line when another process holds it.
 */
export async function openDataFolder(dir: string, command: string): Promise<DataFolder> {
  await createDataFolder(dir);
  const handle = await openLockFile(dir);
  if (!tryLock(handle.fd)) {
    // The holder writes its line right after it locks: give a holder that has just started that moment.
    let holder = await readHolder(handle);
    if (holder === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      holder = await readHolder(handle);
    }
    await handle.close();
    throw refusal(dir, command, holder);
  }
  try {
    // A line left behind belongs to a process that is gone (killed before it could clear it): its lock went
    // with it, and this process has just taken the folder over.
    const stale = await readHolder(handle);
    const holder: Holder = { pid: process.pid, command, since: new Date().toISOString() };
    await writeHolder(handle, holder);
    const pgdata = await pgdataOf(dir);
    const upgraded = await upgradeFolder(dir, pgdata);
    if (upgraded !== undefined) console.error(`gather: ${upgraded}`);
    let released = false;
    return {
      pgdata,
      staleHolder: stale === undefined ? undefined : describe(stale),
      announce: (url) => writeHolder(handle, { ...holder, url }),
      release: async () => {
        if (released) return;
        released = true;
        await handle.truncate(0);
        unlock(handle.fd);
        await handle.close();
      },
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
