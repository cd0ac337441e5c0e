// `gather serve`: boot (config → database → migrations → app) → listen; graceful shutdown on SIGTERM/SIGINT.
// With --workers N > 1 this process becomes the cluster primary (cluster.ts) once the migration policy has
// run, and each forked worker boots this same command with its migrations left untouched.
import cluster from 'node:cluster';
import { createServer } from 'node:net';
import type { Gather, MigrationMode } from '../boot.ts';
import { CommandError } from '../command-error.ts';
import { type Config, loadConfig } from '../config.ts';
import type { Migration } from '../db/migrate/files.ts';
import { ConfigError, parseWorkers, settingsHelp } from '../settings.ts';
import { type Cli, EXIT } from './program.ts';
import {
  collectStartupGarbage,
  holdOptimisingCompilers,
  releaseOptimisingCompilers,
} from './startup-memory.ts';

/** How long in-flight requests get to finish after SIGTERM before the process gives up on them. */
const SHUTDOWN_GRACE_MS = 10_000;
const HOLDER = 'gather serve';

type ServeOptions = { migrate?: boolean; workers?: string };

export function registerServe({ program, finish }: Cli): void {
  program
    .command('serve')
    .summary('run the HTTP API')
    .description('Run the HTTP API; its configuration comes from the environment (below)')
    .option(
      '--migrate',
      'on PostgreSQL, apply pending migrations before starting (also GATHER_AUTO_MIGRATE=1); the embedded ' +
        'database is always migrated',
    )
    .option(
      '--workers <n>',
      'processes sharing the port: a number or auto, one per core (also GATHER_WORKERS; default 1); ' +
        'PostgreSQL only, each worker with a pool of DB_POOL_MAX connections',
    )
    .addHelpText(
      'after',
      `\nEnvironment (README "Configuration"; OTEL_* as OpenTelemetry defines them):\n${settingsHelp()}`,
    )
    .action(async (options: ServeOptions) => finish(await serve(options)));
}

const logApplied = (migration: Migration) => console.log(`gather: applied migration ${migration.name}`);
const logTemplateCopied = (migrations: readonly Migration[]) =>
  console.log(
    `gather: new database, a copy of the template with ${migrations.at(0)?.name} … ${migrations.at(-1)?.name} applied`,
  );
const onOpen = { onApply: logApplied, onTemplateCopied: logTemplateCopied };

/** Why HOST:PORT cannot be listened on, in one line with the fix; undefined for any other error. */
function listenRefusal(error: unknown, config: Config): CommandError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new CommandError(
      `port ${config.port} is in use on ${config.host} (another gather serve?): stop that process, or set ` +
        'PORT to a free port (PORT=0 takes any)',
    );
  }
  if (code === 'EACCES') {
    return new CommandError(
      `listening on ${config.host}:${config.port} is not allowed to this user: set PORT above 1023`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CommandError(`HOST ${config.host} is not an address of this machine: set HOST (e.g. 0.0.0.0)`);
  }
  return undefined;
}

/**
 * Says at once, before any database work (opening, creating or migrating one takes seconds), that HOST:PORT
 * cannot be listened on. Listening itself still says so if the port is taken in between.
 */
async function ensureCanListen(config: Config): Promise<void> {
  if (config.port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject).listen({ port: config.port, host: config.host, exclusive: true }, resolve);
  }).catch((error: unknown) => {
    throw listenRefusal(error, config) ?? error;
  });
  await new Promise((resolve) => probe.close(resolve));
}

/** Listens, or says in one line why it cannot. */
async function listen(gather: Gather, config: Config): Promise<string> {
  // Fastify logs "Server listening at …" once per address and has no option against it; the banner says
  // it once. Nothing else logs in between: no request can arrive before listen() has resolved.
  const level = gather.app.log.level;
  gather.app.log.level = 'silent';
  try {
    await gather.app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await gather.close();
    throw listenRefusal(error, config) ?? error;
  } finally {
    gather.app.log.level = level;
  }
  const address = gather.app.server.address();
  return baseUrl(config.host, typeof address === 'object' && address !== null ? address.port : config.port);
}

export const baseUrl = (host: string, port: number): string =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** What `gather serve` prints once it listens (the cluster's primary, once all its workers do). */
export function banner(base: string, config: Config, database: string): string {
  return [
    `gather: listening on ${base} (database: ${database})`,
    `  API           ${base}/api`,
    `  Swagger UI    ${base}/docs`,
    `  OpenAPI       ${base}/openapi.json`,
    ...(config.gatherTrace ? [`  Traces        ${base}/_gather/traces`] : []),
  ].join('\n');
}

export async function serve(options: ServeOptions): Promise<number> {
  // Start-up's code runs once: V8's optimising compilers wait until this process listens, or has forked its
  // workers (startup-memory.ts).
  holdOptimisingCompilers();
  try {
    return await startAndServe(options);
  } finally {
    releaseOptimisingCompilers(); // a start that failed
  }
}

async function startAndServe(options: ServeOptions): Promise<number> {
  const config = loadConfig();
  const workers =
    options.workers === undefined ? config.gatherWorkers : parseWorkers(options.workers, '--workers');
  if (workers > 1 && config.databaseUrl === undefined) {
    throw new ConfigError(
      `--workers ${workers} needs PostgreSQL: the embedded PGlite database belongs to one process; ` +
        'set DATABASE_URL=postgres://… or run one worker',
    );
  }
  // The primary runs the migration policy once, before forking; its workers leave the schema to it.
  const migrations: MigrationMode = cluster.isWorker ? 'untouched' : options.migrate ? 'apply' : 'standard';
  // A worker listens through the primary's handle, which the primary has checked.
  if (!cluster.isWorker) await ensureCanListen(config);
  // Loaded here, not at the top: `gather --version` and `--help` need none of the server.
  const { bootGather, openData } = await import('../boot.ts');

  if (workers > 1 && cluster.isPrimary) {
    const database = await openData({ config, migrations, holder: HOLDER, poolMax: 1, ...onOpen });
    await database.close();
    releaseOptimisingCompilers();
    return (await import('./cluster.ts')).runPrimary({
      config,
      workers,
      graceMs: SHUTDOWN_GRACE_MS,
      banner: (port) => banner(baseUrl(config.host, port), config, database.label),
    });
  }

  const gather = await bootGather({ config, migrations, holder: HOLDER, ...onOpen });
  const folder = gather.database.dataFolder;
  if (folder?.staleHolder !== undefined) {
    console.log(
      `gather: ${config.gatherDataDir} was held by ${folder.staleHolder}, which is gone; taken over`,
    );
  }
  // Start-up's memory given back before any request can arrive (startup-memory.ts): PGlite's thread collects
  // its heap while this one collects its own.
  const collected = gather.database.collectStartupGarbage();
  collectStartupGarbage();
  await collected;
  const base = await listen(gather, config);
  releaseOptimisingCompilers();
  await folder?.announce(base);
  // The signal handlers are in place before the listening line is printed: whoever reads that line and
  // sends SIGTERM gets a graceful stop, never the default kill.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`gather: ${signal} received, finishing in-flight requests`);
      const timer = setTimeout(() => {
        console.error(`gather: requests still running after ${SHUTDOWN_GRACE_MS} ms, exiting`);
        resolve(EXIT.failed);
      }, SHUTDOWN_GRACE_MS);
      timer.unref();
      try {
        await gather.close();
        console.log('gather: stopped');
        resolve(EXIT.ok);
      } catch (error) {
        console.error(error);
        resolve(EXIT.failed);
      } finally {
        clearTimeout(timer);
      }
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
  // A worker's start is logged by the primary.
  if (!cluster.isWorker) console.log(banner(base, config, gather.database.label));

  const code = await stopped;
  // A worker's IPC channel to the primary would keep it alive after the server has closed.
  cluster.worker?.disconnect();
  return code;
}
