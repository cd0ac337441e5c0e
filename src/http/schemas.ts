// Schemas shared by every feature: the RealWorld error body and path parameters (paging: paging.ts).
import type { Static, TSchema } from '@sinclair/typebox';
import { Type } from './typebox.ts';

export const ErrorBody = Type.Object(
  { errors: Type.Object({ body: Type.Array(Type.String()) }) },
  { $id: 'GenericErrorModel', examples: [{ errors: { body: ["can't be empty"] } }] },
);

const ERROR_DESCRIPTIONS = {
  401: 'Unauthorized: missing, invalid or expired token',
  403: 'Forbidden: only the author may do this',
  404: 'Not found',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Validation failed',
  429: 'Too many requests',
  503: 'Database unavailable',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** The error responses a route declares, each with the RealWorld error body. 422 and 503 always apply; a
 * route's `config.auth` adds 401 (http/auth.ts). */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, TSchema> {
  const all = new Set<ErrorStatus>([...statuses, 422, 503]);
  return Object.fromEntries(
    [...all]
      .sort()
      .map((status) => [status, Type.Ref(ErrorBody, { description: ERROR_DESCRIPTIONS[status] })]),
  );
}

export const Timestamp = Type.String({ format: 'date-time', examples: ['2016-02-18T03:22:56.637Z'] });

/** A non-blank string: at least one non-space character. */
export const NonBlank = (maxLength: number, options: object = {}) =>
  Type.String({ minLength: 1, maxLength, pattern: '\\S', ...options });

export const SlugParams = Type.Object({
  slug: Type.String({ minLength: 1, maxLength: 300, description: 'Slug of the article' }),
});

/** A string that may be null (OpenAPI 3.1 / JSON Schema type list; serialized without anyOf cost). */
export const NullableString = (options: object = {}) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });

// Arrays stay plain arrays (Fastify's reply types want them), their elements read-only.
type DeepReadonly<T> = T extends (infer U)[]
  ? DeepReadonly<U>[]
  : T extends Date
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** A DTO only carries data: the static type of a schema, read-only all the way down. */
export type Dto<S extends TSchema> = DeepReadonly<Static<S>>;
