// One serializer per response shape: routes and statuses that declare the same schema share the code Fastify's
// compiler generated for it, and each still writes what its schema says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializerPerShape } from '../../src/http/serialization.ts';
import { Type } from '../../src/http/typebox.ts';

const route = (url: string, httpStatus: string, schema: unknown) => ({
  method: 'GET',
  url,
  httpStatus,
  schema,
});

test('routes that declare the same response shape share one serializer; another shape has its own', () => {
  const compile = serializerPerShape().compilersFactory!.buildSerializer!({}, {});
  const error = () => Type.Object({ errors: Type.Object({ body: Type.Array(Type.String()) }) });
  const tag = Type.Object({ tags: Type.Array(Type.String()) });
  const [first, second] = [compile(route('/a', '422', error())), compile(route('/b', '404', error()))];
  assert.equal(first, second);
  const tags = compile(route('/tags', '200', tag));
  assert.notEqual(tags, first);
  assert.equal(first({ errors: { body: ['x'] }, extra: 1 }), '{"errors":{"body":["x"]}}');
  assert.equal(tags({ tags: ['a', 'b'], secret: 'no' }), '{"tags":["a","b"]}');
});
