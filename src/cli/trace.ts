// `gather trace <METHOD> <PATH>`: boots Gather in this process against the configured database, warms it up,
// sends it the request and prints the Mermaid sequence diagram of its trace (or a Markdown section; or,
// dev-time, SVG).
import { InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.ts';
import { renderSequenceDiagram, traceMarkdown } from '../tracing/mermaid.ts';
import { TraceStore } from '../tracing/trace-store.ts';
import { type DevTime, devTimeRefusal } from './dev-time.ts';
import { type Cli, EXIT } from './program.ts';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
type Method = (typeof METHODS)[number];
const FORMATS = ['mmd', 'md', 'svg'] as const;
type Format = (typeof FORMATS)[number];

export type TraceRequest = Readonly<{
  method: Method;
  path: string;
  token?: string;
  body?: unknown;
  format: Format;
  /** Send a request first, so that the traced one shows the times of a running server (default true). */
  warmUp?: boolean;
}>;

function parseMethod(value: string): Method {
  const method = value.toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    throw new InvalidArgumentError(`METHOD must be one of ${METHODS.join(', ')}`);
  }
  return method as Method;
}

function parsePath(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError('PATH must start with /');
  return value;
}

function parseBody(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON: ${(error as Error).message}`);
  }
}

export function registerTrace({ program, finish }: Cli, devTime: DevTime | undefined): void {
  program
    .command('trace')
    .summary('run one request in this process and print its sequence diagram')
    .description(
      'Runs one request inside this process (no server, no port) against the configured database ' +
        '(DATABASE_URL, or the embedded one in GATHER_DATA_DIR) and prints its sequence diagram on stdout; ' +
        'the response (status and body) goes to stderr. Tracing is on for this request whatever GATHER_TRACE says. ' +
        'A request is sent first to warm up, so that the times are those of a running server, not of a cold start: ' +
        'the same request for a GET; for POST, PUT and DELETE, which change data, GET /api/articles?limit=1.',
    )
    .argument('<METHOD>', 'GET, POST, PUT or DELETE', parseMethod)
    .argument('<PATH>', 'as the API sees it, e.g. /api/articles?limit=5', parsePath)
    .option('--token <jwt>', 'sent as "Authorization: Token <jwt>" (the token from register or login)')
    .option(
      '--data <json>',
      'the request body, e.g. \'{"user":{"email":"a@example.com","password":"…"}}\'',
      parseBody,
    )
    .option('--no-warm-up', 'trace the very first request of the process: its times include the cold start')
    .addOption(
      new Option(
        '--format <format>',
        'mmd: the Mermaid text; md: a Markdown section with the diagram; svg (dev-time): the diagram drawn by ' +
          'Mermaid in headless Chromium',
      )
        .choices(FORMATS)
        .default('mmd'),
    )
    .addHelpText(
      'after',
      '\nOn the embedded database, the folder belongs to one process: stop `gather serve` first, or open ' +
        '/_gather/traces on the running server.',
    )
    .action(
      async (
        method: Method,
        path: string,
        options: { token?: string; data?: unknown; format: Format; warmUp: boolean },
      ) => {
        const request: TraceRequest = {
          method,
          path,
          format: options.format,
          token: options.token,
          body: options.data,
          warmUp: options.warmUp,
        };
        finish(await trace(request, devTime));
      },
    );
}

/** The body as a person reads it: JSON indented; anything else (an NDJSON stream, text) as it came. */
function readable(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export async function trace(request: TraceRequest, devTime: DevTime | undefined): Promise<number> {
  if (request.format === 'svg' && devTime === undefined) throw devTimeRefusal('gather trace --format svg');
  // Logs would mix with the diagram on stdout; the trace is what this command is for.
  const config = loadConfig({ ...process.env, GATHER_TRACE: '1', LOG_LEVEL: 'silent' });
  const traces = new TraceStore(1);
  // Loaded here, not at the top: `gather --version` and `--help` need none of the server.
  const { bootGather } = await import('../boot.ts');
  const gather = await bootGather({ config, migrations: 'standard', holder: 'gather trace', traces });
  const send = (method: Method, url: string, body?: unknown) =>
    gather.app.inject({
      method,
      url,
      headers: request.token === undefined ? {} : { authorization: `Token ${request.token}` },
      ...(body !== undefined && { payload: body as object }),
    });
  try {
    if (request.warmUp !== false) {
      // A process's first request pays for what a running server paid for long ago: the database's first
      // statements (plans, caches; PGlite compiling its WebAssembly), each statement's preparation, V8
      // compiling the code on the way. A GET reads only, so it is sent twice; a write must happen once, so
      // only a read warms up before it (its own statements are still prepared on the traced request).
      const warmUp = request.method === 'GET' ? request.path : '/api/articles?limit=1';
      const started = performance.now();
      await send('GET', warmUp);
      console.error(
        `gather trace: warmed up with GET ${warmUp} first (${(performance.now() - started).toFixed(0)} ms, ` +
          'not shown; --no-warm-up traces a cold start)',
      );
    }
    const response = await send(request.method, request.path, request.body);
    const recorded = traces.get(String(response.headers['x-trace-id']));
    if (recorded === undefined) throw new Error(`the request to ${request.path} left no trace`);
    // The response goes to stderr: it is where a token from login or register is read.
    console.error(
      `gather trace: ${request.method} ${request.path} → ${response.statusCode}\n${readable(response.body)}`,
    );
    if (request.format === 'md') process.stdout.write(traceMarkdown(recorded));
    else if (request.format === 'svg' && devTime !== undefined)
      process.stdout.write(`${await devTime.renderSvg(renderSequenceDiagram(recorded))}\n`);
    else process.stdout.write(renderSequenceDiagram(recorded));
    return EXIT.ok;
  } finally {
    await gather.close();
  }
}
