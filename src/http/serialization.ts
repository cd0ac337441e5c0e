// Response serializers, one per distinct schema. Fastify compiles one (fast-json-stringify's generated code) for
// each route and status it declares, 156 of them here, though the routes share 21 response shapes: the error
// body of every route's 4xx and 503, an article on five routes… Each compiled once holds that code once.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/** Fastify's own serializer compiler, remembering what it compiled by the schema's JSON. */
const sharedByShape =
  (buildSerializer: SerializerFactory): SerializerFactory =>
  (externalSchemas, options) => {
    const compile = buildSerializer(externalSchemas, options);
    const compiled = new Map<string, ReturnType<typeof compile>>();
    return (route) => {
      // Within one factory the referenced schemas and options are the same, so one shape, one serializer.
      const shape = JSON.stringify(route.schema);
      let serializer = compiled.get(shape);
      if (serializer === undefined) {
        serializer = compile(route);
        compiled.set(shape, serializer);
      }
      return serializer;
    };
  };

/** The `schemaController` option that gives every app one serializer per response shape. */
export const serializerPerShape = (): NonNullable<FastifyServerOptions['schemaController']> => ({
  compilersFactory: { buildSerializer: sharedByShape(SerializerSelector()) },
});
