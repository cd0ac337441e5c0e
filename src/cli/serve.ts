// `gather serve`: config → database (migrations) → buildApp → listen; graceful shutdown on SIGTERM/SIGINT.
// With --workers N > 1 this process becomes the cluster primary (cluster.ts) once migrations are done, and
// each forked worker runs this same function, skipping migrations.
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { buildApp } from '../app.ts';
import { ConfigError, loadConfig, parseWorkers } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { loadMigrations } from '../db/migrate/files.ts';
import { MigrationError, pending, upgrade } from '../db/migrate/runner.ts';
import { resolveJwtSecret } from './jwt-secret.ts';

const HELP = `Usage: gather serve [--migrate] [--workers N|auto]

Runs the HTTP API. Configuration comes from the environment (see README).
  --migrate         on PostgreSQL, apply pending migrations before starting (also GATHER_AUTO_MIGRATE=1);
                    on the embedded PGlite database they are always applied.
  --workers N|auto  processes sharing the port (also GATHER_WORKERS; auto = one per CPU core; default 1).
                    PostgreSQL only; each worker has its own pool: workers × DB_POOL_MAX connections.`;

/** How long in-flight requests get to finish after SIGTERM before the process gives up on them. */
const SHUTDOWN_GRACE_MS = 10_000;

export async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      migrate: { type: 'boolean', default: false },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const config = loadConfig();
  const workers = values.workers === undefined ? config.workers : parseWorkers(values.workers, '--workers');
  if (workers > 1 && config.databaseUrl === undefined) {
    throw new ConfigError(
      `--workers ${workers} needs PostgreSQL: the embedded PGlite database belongs to one process; ` +
        'set DATABASE_URL=postgres://… or run one worker',
    );
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  const migrations = await loadMigrations();
  if (cluster.isWorker) {
    // The primary applied or checked the migrations once, before forking.
  } else if (database.kind === 'pglite' || values.migrate || config.autoMigrate) {
    await upgrade(database, migrations, {
      onApply: (m) => console.log(`gather: applied migration ${m.name}`),
    });
  } else {
    const waiting = await pending(database, migrations);
    if (waiting.length > 0) {
      await database.close();
      throw new MigrationError(
        `${waiting.length} migration(s) pending (${waiting.map((m) => m.name).join(', ')}); ` +
          'review them with `gather db sql`, apply with `gather db upgrade`, or start with `gather serve --migrate`',
      );
    }
  }

  if (workers > 1 && cluster.isPrimary) {
    await database.close();
    return (await import('./cluster.ts')).runPrimary({ config, workers, graceMs: SHUTDOWN_GRACE_MS });
  }

  const app = await buildApp({ config, database, jwtSecret: await resolveJwtSecret(config) });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
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
        resolve(1);
      }, SHUTDOWN_GRACE_MS);
      timer.unref();
      try {
        await app.close();
        await database.close();
        console.log('gather: stopped');
        resolve(0);
      } catch (error) {
        console.error(error);
        resolve(1);
      } finally {
        clearTimeout(timer);
      }
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
  // A worker's start is logged by the primary.
  if (!cluster.isWorker)
    console.log(
      [
        `gather: listening on ${base} (database: ${database.label})`,
        `  API           ${base}/api`,
        `  Swagger UI    ${base}/docs`,
        `  OpenAPI       ${base}/openapi.json`,
        ...(config.trace ? [`  Traces        ${base}/_gather/traces`] : []),
      ].join('\n'),
    );

  const code = await stopped;
  // A worker's IPC channel to the primary would keep it alive after the server has closed.
  cluster.worker?.disconnect();
  return code;
}
