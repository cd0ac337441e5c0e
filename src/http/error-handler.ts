// The one mapper from any thrown error to a RealWorld error response. Nothing else builds error bodies.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseErrorOf, UNIQUE_INDEX, USER_FOREIGN_KEYS } from '../db/constraints.ts';
import {
  busy,
  ERROR_CODES,
  GatherError,
  internal,
  invalid,
  notFound,
  RETRY_AFTER_SECONDS,
  taken,
  unauthorized,
  unavailable,
} from './errors.ts';

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * Work given up on rather than queued: a request's deadline or a full queue (request-budget.ts), a statement
 * past statement_timeout (57014), a lock held elsewhere past lock_timeout (55P03), a session idle in a
 * transaction past its timeout (25P03).
 */
const SHED_CODES = new Set(['GATHER_OVER_CAPACITY', '57014', '55P03', '25P03']);

const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i;

/** The field ("email") whose unique index `constraint` is; undefined for any other constraint. */
function fieldKeptUniqueBy(constraint: string | undefined): string | undefined {
  return Object.entries(UNIQUE_INDEX).find(([, name]) => name === constraint)?.[0];
}

/** Maps what the database said to a catalogued error, or undefined for a genuine bug. */
export function fromDatabaseError(error: unknown): GatherError | undefined {
  const { code, constraint } = databaseErrorOf(error) ?? {};
  // A unique index: a race the pre-checks cannot close (two registrations with one email at once).
  if (code === '23505') return taken(fieldKeptUniqueBy(constraint) ?? 'value');
  // PostgreSQL text cannot hold U+0000 (SQLSTATE 22021): bad input from the client, not a server fault.
  if (code === '22021') return invalid('text must not contain the character U+0000');
  // A referenced row is gone: the user of a still-valid token was deleted, or the article was deleted
  // while this request wrote to it.
  if (code === '23503') {
    return constraint !== undefined && USER_FOREIGN_KEYS.has(constraint)
      ? unauthorized('the user of this token no longer exists')
      : notFound('article');
  }
  if (code !== undefined && SHED_CODES.has(code)) return busy();
  if (code !== undefined && (CONNECTION_ERRNOS.has(code) || /^(08|57P|53)/.test(code))) return unavailable();
  // The lost connection may sit a few causes deep (a failed rollback wraps the query that lost it).
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++, current = current.cause) {
    if (CONNECTION_MESSAGES.test(current.message)) return unavailable();
  }
  return undefined;
}

/** Fastify's own 4xx errors (parsing, size, media type) keep their status in RealWorld form. */
function fromFastifyError(error: FastifyError): GatherError | undefined {
  if (error.validation !== undefined) {
    const messages = error.validation.map((issue) => {
      const path = `${error.validationContext ?? ''}${issue.instancePath}`.replaceAll('/', '.');
      const missing = (issue.params as { missingProperty?: string }).missingProperty;
      if (missing !== undefined) return `${path}.${missing} is required`;
      return `${path} ${issue.message ?? 'is invalid'}`;
    });
    return new GatherError('GATHER_ERR_VALIDATION', messages);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatherError('GATHER_ERR_PAYLOAD_TOO_LARGE', ['request body is too large']);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatherError('GATHER_ERR_UNSUPPORTED_MEDIA_TYPE', ['request body must be application/json']);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatherError('GATHER_ERR_VALIDATION', ['request body must not be empty']);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatherError('GATHER_ERR_VALIDATION', ['request body is not valid JSON']);
  }
  if (error instanceof SyntaxError)
    return new GatherError('GATHER_ERR_VALIDATION', ['request body is not valid JSON']);
  if (error.statusCode === 429) return new GatherError('GATHER_ERR_RATE_LIMITED', [error.message]);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Any other client error Fastify raises: keep the status, give a safe message.
    const code = (Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]).find(
      (key) => ERROR_CODES[key] === error.statusCode,
    );
    return new GatherError(code ?? 'GATHER_ERR_VALIDATION', [error.message]);
  }
  return undefined;
}

/** Errors Fastify raises before routing (Fastify's `frameworkErrors` option): a URL that does not decode
 * or a path parameter over the length limit. Answered in RealWorld form like every other error. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const mapped =
    error.code === 'FST_ERR_BAD_URL'
      ? invalid('the URL is not valid (malformed percent-encoding)')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? invalid('a path parameter is too long')
        : internal();
  if (mapped.statusCode >= 500) request.log.error({ err: error }, 'request failed');
  void reply.status(mapped.statusCode).send({ errors: { body: mapped.messages } });
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known =
      error instanceof GatherError ? error : (fromFastifyError(error) ?? fromDatabaseError(error));
    const mapped = known ?? internal();
    if (mapped.statusCode === 500) {
      request.log.error({ err: error }, 'request failed');
    } else if (mapped.statusCode === 503) {
      // Expected under faults and overload: one field for the cause, no stack. Shed requests come by the
      // thousand under overload, where a line each would cost the CPU the shedding saves: debug only.
      const level = mapped.code === 'GATHER_ERR_BUSY' ? 'debug' : 'warn';
      request.log[level]({ code: mapped.code, cause: (error as Error).message }, 'request not served');
    } else {
      // The request's own line says its status; why, at debug (the client was told in the body).
      request.log.debug({ code: mapped.code, messages: mapped.messages }, 'request rejected');
    }
    if (mapped.statusCode === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
    return reply.status(mapped.statusCode).send({ errors: { body: mapped.messages } });
  });
  app.setNotFoundHandler((request) => {
    throw notFound(`route ${request.method} ${request.url.split('?')[0]}`);
  });
}
