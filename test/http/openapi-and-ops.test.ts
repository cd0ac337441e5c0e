import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/settings.ts';
import { VERSION } from '../../src/version.ts';
import { bootTestApp, type TestApp } from '../../tools/harness/test-app.ts';

let t: TestApp;
before(async () => {
  t = await bootTestApp();
});
after(() => t.close());

const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

describe('OpenAPI and Swagger UI', () => {
  test('every path and method of the RealWorld openapi.yml is in /openapi.json, with the Token scheme where it asks for it', async () => {
    const spec = parse(readFileSync(new URL('../realworld/openapi.yml', import.meta.url), 'utf8'));
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    const ours = response.json();
    assert.equal(ours.openapi, '3.1.0');
    assert.deepEqual(ours.servers, [{ url: '/api' }]);
    assert.equal(ours.components.securitySchemes.Token.name, 'Authorization');
    const missing: string[] = [];
    type Operation = { operationId?: string; security?: unknown };
    for (const [path, item] of Object.entries<Record<string, Operation>>(spec.paths)) {
      for (const method of METHODS) {
        if (item[method] === undefined) continue;
        const operation = ours.paths[path]?.[method];
        if (operation === undefined) {
          missing.push(`${method.toUpperCase()} ${path}`);
          continue;
        }
        assert.equal(operation.operationId, item[method].operationId, `${method} ${path}`);
        // Declared by the route's `config.auth`, turned into OpenAPI security by the auth hook.
        assert.deepEqual(operation.security, item[method].security, `${method} ${path} security`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('every operation declares its responses, with the RealWorld error model for 422', async () => {
    const ours = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [path, item] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(
      ours.paths,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        assert.ok(operation.responses['422'], `${method} ${path} declares 422`);
        const success = Object.keys(operation.responses).filter((code) => code.startsWith('2'));
        assert.equal(success.length, 1, `${method} ${path} declares one success response`);
      }
    }
  });

  test("every operation's tag is one a feature (or the index) declares, with what it is for; none unused", async () => {
    const ours = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const declared = (ours.tags as { name: string; description: string }[]).map(({ name }) => name);
    assert.deepEqual(declared, [
      'User and Authentication',
      'Profile',
      'Articles',
      'Favorites',
      'Comments',
      'Tags',
      'Index',
    ]);
    const used = new Set<string>();
    for (const item of Object.values<Record<string, { tags: string[] }>>(ours.paths)) {
      for (const operation of Object.values(item)) for (const tag of operation.tags) used.add(tag);
    }
    assert.deepEqual([...used].sort(), [...declared].sort());
  });

  test('every operation that declares the Token scheme answers 401 without a token', async () => {
    const ours = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    let secured = 0;
    for (const [path, item] of Object.entries<Record<string, { security?: unknown }>>(ours.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (operation.security === undefined) continue;
        secured += 1;
        const url = `/api${path.replace('{id}', '1').replace(/\{\w+\}/g, 'x')}`;
        const response = await t.app.inject({
          method: method.toUpperCase() as 'GET' | 'POST' | 'PUT' | 'DELETE',
          url,
        });
        assert.equal(response.statusCode, 401, `${method} ${path}`);
      }
    }
    assert.equal(secured, 12);
  });

  test('component schemas carry the RealWorld names, and each operation refers to the ones RealWorld gives it', async () => {
    const spec = parse(readFileSync(new URL('../realworld/openapi.yml', import.meta.url), 'utf8'));
    const ours = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const names = Object.keys(ours.components.schemas);
    // RealWorld's models, and its named responses and request bodies (ours are named schemas: one $ref each).
    const realWorld = [
      ...Object.keys(spec.components.schemas),
      ...Object.keys(spec.components.responses).filter(
        (name) => spec.components.responses[name].content?.['application/json'],
      ),
      ...Object.keys(spec.components.requestBodies),
    ].filter((name) => name !== 'GenericError');
    assert.deepEqual(
      realWorld.filter((name) => !names.includes(name)),
      [],
    );
    assert.deepEqual(
      names.filter((name) => !/^[A-Z][A-Za-z]+$/.test(name)),
      [],
      'no def-N names',
    );

    // Where Gather answers more than RealWorld (GET /articles/{slug}?include=comments), its own model.
    const gathers: Record<string, string> = { GetArticle: 'ArticleMaybeWithCommentsResponse' };
    const nameOf = (ref: string | undefined) => ref?.split('/').at(-1);
    type Operation = {
      operationId: string;
      requestBody?: { $ref: string; content?: Record<string, { schema: { $ref: string } }> };
      responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref: string } }> }>;
    };
    let checked = 0;
    for (const [path, item] of Object.entries<Record<string, Operation>>(spec.paths)) {
      for (const method of METHODS) {
        const theirs = item[method];
        if (theirs === undefined) continue;
        const operation: Operation = ours.paths[path][method];
        const where = `${method} ${path}`;
        if (theirs.requestBody !== undefined) {
          const body = operation.requestBody?.content?.['application/json']?.schema.$ref;
          assert.equal(nameOf(body), nameOf(theirs.requestBody.$ref), `${where} request body`);
        }
        const [status, response] =
          Object.entries(theirs.responses).find(([code]) => code.startsWith('2')) ?? [];
        const expected = nameOf(response?.$ref);
        if (expected === undefined || expected === 'EmptyOkResponse') continue;
        const success = Object.entries(operation.responses).find(([code]) => code.startsWith('2'));
        const answered = nameOf(success?.[1].content?.['application/json']?.schema.$ref);
        assert.equal(answered, gathers[operation.operationId] ?? expected, `${where} ${status} response`);
        const error = nameOf(operation.responses['422']?.content?.['application/json']?.schema.$ref);
        assert.equal(error, 'GenericErrorModel', `${where} 422`);
        checked += 1;
      }
    }
    assert.ok(checked >= 17, `${checked} operations checked`);
  });

  test('/docs serves Swagger UI from the package, no CDN', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /https?:\/\/(cdn|unpkg|cdnjs)/);
    const asset = await t.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(asset.statusCode, 200);
  });
});

describe('GET /api', () => {
  type Index = {
    name: string;
    version: string;
    links: Record<string, string>;
    operations: { method: string; path: string; operationId: string; summary: string }[];
  };

  test('answers an index: the links and every operation of /openapi.json, with /api and /api/ alike', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const index: Index = response.json();
    assert.equal(index.name, 'Gather — RealWorld Conduit API');
    assert.equal(index.version, VERSION);
    assert.deepEqual(index.links, {
      docs: '/docs',
      openapi: '/openapi.json',
      traces: '/_gather/traces',
      health: '/healthz',
      ready: '/readyz',
      metrics: '/metrics',
    });
    for (const link of Object.values(index.links)) {
      const target = await t.app.inject({ method: 'GET', url: link });
      assert.equal(target.statusCode, 200, link);
    }
    const listed = index.operations.map(({ method, path }) => `${method} ${path}`);
    for (const resource of [
      'GET /api/articles',
      'GET /api/articles/{slug}',
      'GET /api/tags',
      'GET /api/profiles/{username}',
      'GET /api/user',
      'POST /api/users/login',
      'POST /api/users',
    ]) {
      assert.ok(listed.includes(resource), resource);
    }
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const documented = Object.entries<Record<string, { operationId: string }>>(document.paths).flatMap(
      ([path, item]) => Object.values(item).map((operation) => [operation.operationId, `/api${path}`]),
    );
    assert.deepEqual(
      index.operations.map(({ operationId, path }) => [operationId, path]),
      documented,
    );
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/api/' })).json(), index);
  });

  test('is in the OpenAPI document as an operation of its own, at the root of the server (/api), outside RealWorld', async () => {
    const spec = parse(readFileSync(new URL('../realworld/openapi.yml', import.meta.url), 'utf8'));
    assert.equal(spec.paths['/'], undefined, 'RealWorld has no route there');
    const document = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = document.paths['/'].get;
    assert.equal(operation.operationId, 'GetApiIndex');
    assert.deepEqual(operation.tags, ['Index']);
    assert.equal(
      operation.responses['200'].content['application/json'].schema.$ref,
      '#/components/schemas/ApiIndex',
    );
  });

  test('leaves out the trace viewer and metrics when they are off', async () => {
    const plain = await bootTestApp({ GATHER_TRACE: '0', GATHER_METRICS: '0' });
    try {
      const index: Index = (await plain.app.inject({ method: 'GET', url: '/api' })).json();
      assert.deepEqual(Object.keys(index.links), ['docs', 'openapi', 'health', 'ready']);
      assert.equal((await plain.app.inject({ method: 'GET', url: '/_gather/traces' })).statusCode, 404);
    } finally {
      await plain.close();
    }
  });
});

describe('operations', () => {
  test('/healthz and /readyz', async () => {
    assert.deepEqual((await t.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = (await t.app.inject({ method: 'GET', url: '/readyz' })).json();
    assert.equal(ready.status, 'ready');
    const forReads = await t.app.inject({ method: 'GET', url: '/readyz?reads=true' });
    assert.equal(forReads.statusCode, 200);
    assert.equal(forReads.json().status, 'ready');
    const unclear = await t.app.inject({ method: 'GET', url: '/readyz?reads=maybe' });
    assert.equal(unclear.statusCode, 422, 'reads is true or false');
  });

  test('CORS preflight answers with the allowed origin and headers', async () => {
    const response = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/articles',
      headers: {
        origin: 'http://localhost:4200',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    assert.match(String(response.headers['access-control-allow-headers']), /Authorization/i);
  });

  test('unknown routes are a RealWorld 404', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/nope' });
    assert.equal(response.statusCode, 404);
    assert.ok(response.json().errors.body[0].includes('not found'));
  });
});

describe('configuration', () => {
  test('bad values fail with one clear line', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }), ConfigError);
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET is required/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'short' }), /at least 32/);
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.gatherDataDir, './.gather');
  });

  test('`gather serve` with a bad PORT exits 1 printing one line, no stack trace', () => {
    const result = spawnSync(process.execPath, ['bin/gather.js', 'serve'], {
      env: { ...process.env, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /PORT must be an integer/);
  });
});
