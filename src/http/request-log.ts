// The log: one line per request (method, URL, status, milliseconds) instead of Fastify's two ("incoming
// request", "request completed"), with those as JSON fields, so that a log collector can filter on them; on a
// developer's terminal (LOG_FORMAT=pretty) the same line drawn readably by pino-pretty.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type DestinationStream, levels } from 'pino';
import type { Config } from '../config.ts';
import type { LogLevel } from '../settings.ts';

/** Fields a pretty line's message already says, and the process's pid and host, which say nothing there. */
const NOT_REPEATED = 'pid,hostname,reqId,method,url,statusCode,ms';

/** Fastify's `logger` option for the configured level and format. */
export async function loggerOptions(
  config: Config,
): Promise<{ level: LogLevel; stream?: DestinationStream }> {
  if (config.logFormat === 'json') return { level: config.logLevel };
  // Loaded only for a person at a terminal: a production server never loads it.
  const { default: pretty } = await import('pino-pretty');
  // sync: a line is on the terminal before whatever console.log prints next (the banner, "stopped").
  const stream = pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: NOT_REPEATED });
  return { level: config.logLevel, stream };
}

const logs = (level: LogLevel, wanted: 'info' | 'debug') =>
  level !== 'silent' && levels.values[level]! <= levels.values[wanted]!;

/** Fastify's request log lines: the one line when a request is done; at debug, also one as it begins. */
export class RequestLog extends LogController {
  readonly #info: boolean;
  readonly #debug: boolean;

  constructor(level: LogLevel) {
    super();
    this.#info = logs(level, 'info');
    this.#debug = logs(level, 'debug');
  }

  override incomingRequest(request: FastifyRequest): void {
    if (this.#debug) request.log.debug({ method: request.method, url: request.url }, 'request started');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // Not even the message text when the level is above info (the benchmarks run at warn).
    if (!this.#info && !error) return;
    const { method, url } = request;
    const { statusCode } = reply;
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const line = `${method} ${url} ${statusCode} ${ms} ms`;
    // An error here is the connection's (the response could not be written), not the handler's.
    if (error) reply.log.error({ method, url, statusCode, ms, err: error }, line);
    else reply.log.info({ method, url, statusCode, ms }, line);
  }
}
