// The one error catalogue. Handlers throw these; the error handler turns them into
// RealWorld bodies: {"errors":{"body":["…"]}} with the catalogued status.

export const ERROR_CODES = {
  GATHER_ERR_VALIDATION: 422,
  GATHER_ERR_TAKEN: 422,
  GATHER_ERR_UNAUTHORIZED: 401,
  GATHER_ERR_FORBIDDEN: 403,
  GATHER_ERR_NOT_FOUND: 404,
  GATHER_ERR_PAYLOAD_TOO_LARGE: 413,
  GATHER_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  GATHER_ERR_RATE_LIMITED: 429,
  GATHER_ERR_INTERNAL: 500,
  GATHER_ERR_UNAVAILABLE: 503,
  GATHER_ERR_BUSY: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatherError extends Error {
  override name = 'GatherError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly messages: readonly string[];

  constructor(code: ErrorCode, messages: readonly string[]) {
    super(messages.join('; '));
    this.code = code;
    this.statusCode = ERROR_CODES[code];
    this.messages = messages;
  }
}

export const invalid = (...messages: string[]) => new GatherError('GATHER_ERR_VALIDATION', messages);
export const taken = (field: string) =>
  new GatherError('GATHER_ERR_TAKEN', [`${field} has already been taken`]);
export const unauthorized = (reason: string) => new GatherError('GATHER_ERR_UNAUTHORIZED', [reason]);
export const forbidden = (reason: string) => new GatherError('GATHER_ERR_FORBIDDEN', [reason]);
export const notFound = (what: string) => new GatherError('GATHER_ERR_NOT_FOUND', [`${what} not found`]);
export const unavailable = () =>
  new GatherError('GATHER_ERR_UNAVAILABLE', ['the database is unavailable, try again shortly']);
/** What a 503 tells the client: come back in a second. */
export const RETRY_AFTER_SECONDS = '1';

/** Shed: a deadline passed, a queue was full, or a lock was held elsewhere for too long. */
export const busy = () => new GatherError('GATHER_ERR_BUSY', ['the server is busy, try again shortly']);
export const internal = () => new GatherError('GATHER_ERR_INTERNAL', ['internal server error']);
