// `gather trace <METHOD> <PATH>`: runs one request in-process against the configured database and prints the
// Mermaid sequence diagram of its trace (or the diagram drawn as SVG, or a Markdown section).
import { parseArgs } from 'node:util';
import { renderSvg } from '../../tools/docs-flows/chromium.ts';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { loadMigrations } from '../db/migrate/files.ts';
import { MigrationError, pending, upgrade } from '../db/migrate/runner.ts';
import { renderSequenceDiagram, traceMarkdown } from '../tracing/mermaid.ts';
import { TraceStore } from '../tracing/trace-store.ts';
import { resolveJwtSecret } from './jwt-secret.ts';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
const FORMATS = ['mmd', 'md', 'svg'] as const;
type Format = (typeof FORMATS)[number];

const HELP = `Usage: gather trace <METHOD> <PATH> [--token T] [--data JSON] [--format mmd|svg|md]

Runs one request inside this process (no server, no port) against the configured database (DATABASE_URL,
or the embedded one in GATHER_DATA_DIR) and prints its sequence diagram on stdout; the response (status and
body) goes to stderr. Tracing is on for this request whatever GATHER_TRACE says.
  METHOD          GET, POST, PUT or DELETE
  PATH            as the API sees it, e.g. /api/articles?limit=5 or /api/articles/some-slug/comments
  --token T       sent as "Authorization: Token T" (the token from register or login)
  --data JSON     the request body, e.g. '{"user":{"email":"a@example.com","password":"secret123"}}'
  --format F      mmd: the Mermaid text (default); md: a Markdown section with the diagram;
                  svg: the diagram drawn by Mermaid in headless Chromium (/usr/bin/chromium)
On the embedded database, stop \`gather serve\` first: one PGlite folder belongs to one process.`;

export type TraceRequest = { method: Method; path: string; token?: string; body?: unknown; format: Format };

/** The command line as a request, or the one line that says what is wrong with it. */
export function parseTraceArgs(argv: string[]): TraceRequest | string {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      data: { type: 'string' },
      format: { type: 'string', default: 'mmd' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length !== 2) return 'expected a METHOD and a PATH';
  const method = positionals[0]!.toUpperCase();
  const path = positionals[1]!;
  if (!(METHODS as readonly string[]).includes(method)) {
    return `METHOD must be one of ${METHODS.join(', ')}, got "${positionals[0]}"`;
  }
  if (!path.startsWith('/')) return `PATH must start with /, got "${path}"`;
  if (!(FORMATS as readonly string[]).includes(values.format)) {
    return `--format must be one of ${FORMATS.join(', ')}, got "${values.format}"`;
  }
  let body: unknown;
  if (values.data !== undefined) {
    try {
      body = JSON.parse(values.data);
    } catch (error) {
      return `--data is not JSON: ${(error as Error).message}`;
    }
  }
  return {
    method: method as Method,
    path,
    format: values.format as Format,
    ...(values.token !== undefined && { token: values.token }),
    ...(body !== undefined && { body }),
  };
}

export async function traceCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const request = parseTraceArgs(argv);
  if (typeof request === 'string') {
    console.error(`gather trace: ${request}\n\n${HELP}`);
    return 2;
  }
  // Logs would mix with the diagram on stdout; the trace is what this command is for.
  const config = loadConfig({ ...process.env, GATHER_TRACE: '1', LOG_LEVEL: 'silent' });
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
  });
  try {
    const migrations = await loadMigrations();
    // As `gather serve`: the embedded database is migrated on open, PostgreSQL only by an explicit upgrade.
    if (database.kind === 'pglite') await upgrade(database, migrations);
    else if ((await pending(database, migrations)).length > 0) {
      throw new MigrationError(
        'migrations are pending on this database; apply them with `gather db upgrade` first',
      );
    }
    const store = new TraceStore(1);
    const app = await buildApp({
      config,
      database,
      jwtSecret: await resolveJwtSecret(config),
      traces: store,
    });
    try {
      const response = await app.inject({
        method: request.method,
        url: request.path,
        headers: request.token === undefined ? {} : { authorization: `Token ${request.token}` },
        ...(request.body !== undefined && { payload: request.body as object }),
      });
      const trace = store.get(String(response.headers['x-trace-id']));
      if (trace === undefined) throw new Error(`the request to ${request.path} left no trace`);
      // The response goes to stderr: it is where a token from login or register is read.
      console.error(
        `gather trace: ${request.method} ${request.path} → ${response.statusCode} ${response.body}`,
      );
      if (request.format === 'md') process.stdout.write(traceMarkdown(trace));
      else if (request.format === 'svg')
        process.stdout.write(`${await renderSvg(renderSequenceDiagram(trace))}\n`);
      else process.stdout.write(renderSequenceDiagram(trace));
      return 0;
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}
