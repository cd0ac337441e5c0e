// Crash safety: `kill -9` the Gather process under a write load, restart it on the same data, and look for
// every write the client saw acknowledged (201). On PostgreSQL (a fresh database on DATABASE_URL's server)
// and on PGlite (a data folder).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, signUp, sleep, startWriteLoad } from '../harness/api-client.ts';
import { scratchDatabase } from '../harness/scratch-database.ts';
import { type ServerProcess, startGather } from '../harness/server-process.ts';
import { SHARED_POSTGRES, scenarioEnv } from './scenario-env.ts';

const CLIENTS = 16;
const MIN_ACKNOWLEDGED = 100;

type Backend = Readonly<{
  name: string;
  env: Record<string, string>;
  args: string[];
  cleanup(): Promise<void>;
}>;

async function postgresBackend(): Promise<Backend> {
  const database = await scratchDatabase(SHARED_POSTGRES, 'gather_crash');
  return {
    name: 'PostgreSQL',
    env: { DATABASE_URL: database.url },
    args: ['--migrate'],
    cleanup: database.drop,
  };
}

async function pgliteBackend(): Promise<Backend> {
  const folder = await mkdtemp(join(tmpdir(), 'gather-crash-'));
  return {
    name: 'PGlite',
    env: { GATHER_DATA_DIR: folder },
    args: [],
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}

/** How many of `slugs` the server can read back, 16 requests at a time. */
async function present(base: string, slugs: readonly string[]): Promise<number> {
  let found = 0;
  for (let i = 0; i < slugs.length; i += 16) {
    const answers = await Promise.all(
      slugs.slice(i, i + 16).map((slug) => api(base, 'GET', `/api/articles/${encodeURIComponent(slug)}`)),
    );
    found += answers.filter((answer) => answer.status === 200).length;
  }
  return found;
}

type CrashFigures = {
  rounds: number;
  acknowledged: number;
  present: number;
  committedUnacknowledged: number;
};

async function crashRounds(backend: Backend, rounds: number): Promise<CrashFigures> {
  const env = scenarioEnv(backend.env);
  let server: ServerProcess = await startGather({ env, args: backend.args });
  const acknowledged: string[] = [];
  try {
    const token = await signUp(server.url, `crash${randomBytes(3).toString('hex')}`);
    for (let round = 1; round <= rounds; round++) {
      const load = startWriteLoad(server.url, token, CLIENTS, `crash round ${round}`);
      // Kill once writes are flowing (at least MIN_ACKNOWLEDGED), at a different moment each round.
      const deadline = Date.now() + 30_000;
      while (load.acknowledged.length < MIN_ACKNOWLEDGED && Date.now() < deadline) await sleep(20);
      await sleep(150 * round);
      server.kill('SIGKILL');
      await server.exited(10_000);
      await load.stop();
      acknowledged.push(...load.acknowledged);
      console.log(
        `  ${backend.name} round ${round}: killed after ${load.acknowledged.length} acknowledged writes (${load.failed()} cut off)`,
      );
      server = await startGather({ env, args: backend.args });
    }
    const found = await present(server.url, acknowledged);
    const count = await api(server.url, 'GET', '/api/articles?limit=1');
    const total = (count.body as { articlesCount: number }).articlesCount;
    return {
      rounds,
      acknowledged: acknowledged.length,
      present: found,
      committedUnacknowledged: total - found,
    };
  } finally {
    await server.stop();
  }
}

export type CrashOptions = Readonly<{
  /** Kills per database. */
  rounds: number;
}>;

export async function run({ rounds }: CrashOptions): Promise<boolean> {
  console.log(
    `crash: kill -9 during ${CLIENTS} concurrent writers, restart, read back every acknowledged write`,
  );
  let ok = true;
  const rows: string[] = [];
  for (const make of [postgresBackend, pgliteBackend]) {
    const backend = await make();
    try {
      const figures = await crashRounds(backend, rounds);
      const lost = figures.acknowledged - figures.present;
      rows.push(
        `  ${backend.name.padEnd(11)} ${String(figures.rounds).padStart(6)} ${String(figures.acknowledged).padStart(13)} ${String(figures.present).padStart(8)} ${String(lost).padStart(5)} ${String(figures.committedUnacknowledged).padStart(24)}`,
      );
      const pass = lost === 0 && figures.acknowledged > 0;
      ok &&= pass;
      rows.push(
        `${pass ? 'PASS' : 'FAIL'} crash ${backend.name}: ${lost} of ${figures.acknowledged} acknowledged writes lost`,
      );
    } finally {
      await backend.cleanup();
    }
  }
  console.log(
    `  ${'database'.padEnd(11)} ${'kills'.padStart(6)} ${'acknowledged'.padStart(13)} ${'present'.padStart(8)} ${'lost'.padStart(5)} ${'committed, unacknowledged'.padStart(24)}`,
  );
  for (const row of rows) console.log(row);
  return ok;
}
