// Request validation: JSON bodies are checked as sent (no type coercion: 123 is not "123"),
// while query strings and path parameters, which are always text, are coerced to their types.

import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { allErrors: false, useDefaults: true, removeAdditional: true, strict: false };

function makeAjv(options: Options, models: readonly object[]): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  addFormats.default(ajv);
  for (const model of models) ajv.addSchema(model);
  return ajv;
}

/** The compiler for route schemas that refer by $ref to `models` (the named models, each with its $id). */
export function buildValidatorCompiler(models: readonly object[]): FastifySchemaCompiler<object> {
  const bodyAjv = makeAjv({ coerceTypes: false }, models);
  const textAjv = makeAjv({ coerceTypes: true }, models);
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema);
}
