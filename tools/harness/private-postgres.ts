// A private PostgreSQL cluster in a temporary folder, on a free port, that a scenario may stop and start at
// will (the shared server on 5432 is never touched). PostgreSQL refuses to run as root: as root, the
// commands run as the `postgres` user.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, processCpuMs } from './server-process.ts';

const run = promisify(execFile);

export type PrivatePostgres = Readonly<{
  url: string;
  port: number;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: sessions are ended, as in a restart for maintenance. */
  stop(): Promise<void>;
  /** Stops the server and deletes the folder. */
  destroy(): Promise<void>;
  /** CPU time the server (its postmaster and every backend and worker) has used since it started, in ms. */
  cpuMs(): Promise<number>;
}>;

/** The bin folder of the newest installed PostgreSQL, or undefined when there is none. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

export type ClusterOptions = Readonly<{
  /** A streaming replica of this cluster (pg_basebackup -R) instead of a new primary. */
  replicaOf?: PrivatePostgres;
  /** The replica's recovery_min_apply_delay: its lag, made on purpose. */
  applyDelayMs?: number;
}>;

export async function createPrivatePostgres(
  bin: string,
  options: ClusterOptions = {},
): Promise<PrivatePostgres> {
  const asRoot = userInfo().uid === 0;
  const folder = await mkdtemp(join(tmpdir(), 'gather-pg-'));
  if (asRoot) await chown(folder, Number((await run('id', ['-u', 'postgres'])).stdout), 0);
  const data = join(folder, 'data');
  const port = await freePort();
  const pg = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args);

  const primary = options.replicaOf;
  if (primary === undefined) {
    await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
  } else {
    // initdb's pg_hba.conf trusts replication connections from 127.0.0.1; -R writes standby.signal and
    // primary_conninfo, and the settings after it are appended to postgresql.auto.conf.
    await pg('pg_basebackup', [
      '-D',
      data,
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-R',
    ]);
    const delay = `recovery_min_apply_delay = '${options.applyDelayMs ?? 0}ms'\n`;
    await appendFile(join(data, 'postgresql.auto.conf'), delay);
  }
  // fsync=off: this cluster is for restarts (a clean stop writes everything), not for power cuts.
  const start = async () => {
    await pg('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      join(folder, 'server.log'),
      '-o',
      `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    // postmaster.pid's first line: the postmaster's pid (this start's).
    cpuMs: async () =>
      processCpuMs(Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0])),
    destroy: async () => {
      await stop().catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
    },
  };
}
