// Hostile requests for every route: a valid request broken in one or several ways (wrong types, huge and
// empty strings, unicode edge cases, deep JSON, duplicate keys, SQL and script fragments, bad tokens, bad
// slugs and ids, bad query strings). The fuzzer (../fuzzer.ts) mixes them into its sequences.
import fc from 'fast-check';
import { createSigner } from 'fast-jwt';
import { createTokenService } from '../../../src/http/auth.ts';
import { TEST_JWT_SECRET } from '../test-app.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Json = Record<string, unknown>;

/** A valid body for the route: the fuzzer breaks it in one or several ways. */
type Route = Readonly<{ method: Method; path: string; body?: Json }>;

const ROUTES: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/users',
    body: { user: { username: 'fuzzy', email: 'fuzzy@example.com', password: 'password123' } },
  },
  {
    method: 'POST',
    path: '/api/users/login',
    body: { user: { email: 'fuzzy@example.com', password: 'password123' } },
  },
  { method: 'GET', path: '/api/user' },
  { method: 'PUT', path: '/api/user', body: { user: { bio: 'a bio', image: 'https://example.com/a.png' } } },
  { method: 'GET', path: '/api/profiles/:username' },
  { method: 'POST', path: '/api/profiles/:username/follow' },
  { method: 'DELETE', path: '/api/profiles/:username/follow' },
  { method: 'GET', path: '/api/articles' },
  { method: 'GET', path: '/api/articles/feed' },
  { method: 'GET', path: '/api/articles/:slug' },
  {
    method: 'POST',
    path: '/api/articles',
    body: {
      article: { title: 'A title', description: 'A description', body: 'A body', tagList: ['a', 'b'] },
    },
  },
  { method: 'PUT', path: '/api/articles/:slug', body: { article: { title: 'Another title' } } },
  { method: 'DELETE', path: '/api/articles/:slug' },
  { method: 'POST', path: '/api/articles/:slug/favorite' },
  { method: 'DELETE', path: '/api/articles/:slug/favorite' },
  { method: 'GET', path: '/api/articles/:slug/comments' },
  { method: 'POST', path: '/api/articles/:slug/comments', body: { comment: { body: 'A comment' } } },
  { method: 'DELETE', path: '/api/articles/:slug/comments/:id' },
  { method: 'GET', path: '/api/tags' },
  // Outside the RealWorld operations: an unknown route and the operational ones.
  { method: 'GET', path: '/api/:slug' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/_gather/traces' },
];

/** What the hostile requests aim at: an author's article and comment, and a user who is not the author. */
export type HostileTargets = Readonly<{
  /** Not the author: edits and deletes of the author's article and comment must be refused. */
  intruder: { id: number; token: string };
  author: { username: string };
  slug: string;
  commentId: number;
}>;

// ---------------------------------------------------------------------------------------------------------
// Hostile values

const SQL_AND_SCRIPT = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '1; select pg_sleep(10) --',
  "' UNION SELECT password_hash FROM users --",
  '$1',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent literally.
  '${7*7}',
  '{{7*7}}',
  '../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '\\',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '2147483648',
  '99999999999999999999999',
  '1e309',
  '0x1F',
  '__proto__',
  'constructor',
  'toString',
];

const UNICODE_EDGES = [
  '\u0000',
  '\ud800',
  '\udfff',
  '\ufeff',
  '\u202e',
  '\u200b',
  '\u00a0',
  '\u3000',
  'e\u0301',
  '\ud835\udd4f',
  '\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67',
  '\uffff',
  '\r\n',
  '\t',
  ' ',
];

const hugeString = fc.integer({ min: 300, max: 1_200_000 }).map((n) => 'x'.repeat(n));

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 3 },
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.constantFrom(...SQL_AND_SCRIPT), weight: 3 },
  { arbitrary: fc.constantFrom(...UNICODE_EDGES), weight: 3 },
  {
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...SQL_AND_SCRIPT, ...UNICODE_EDGES), fc.string()), { maxLength: 6 })
      .map((parts) => parts.join('')),
    weight: 2,
  },
  { arbitrary: hugeString, weight: 1 },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 6 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)), weight: 3 },
  { arbitrary: fc.array(hostileString, { maxLength: 30 }), weight: 1 },
  { arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
);

/** Deep JSON, written as text (JSON.stringify would recurse as deep). */
const deepJson = fc
  .tuple(fc.integer({ min: 100, max: 100_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

// ---------------------------------------------------------------------------------------------------------
// Bodies: a valid body broken in one of many ways, or something that is not JSON at all.

const envelopeOf = (body: Json) => Object.keys(body)[0]!;
const fieldsOf = (body: Json) => Object.keys(body[envelopeOf(body)] as Json);

function bodyText(route: Route): fc.Arbitrary<string> {
  const valid = route.body ?? { item: { field: 'value' } };
  const envelope = envelopeOf(valid);
  const fields = fieldsOf(valid);
  const inner = valid[envelope] as Json;
  const field = fc.constantFrom(...fields);
  const encode = (value: unknown) => JSON.stringify(value) ?? 'null';
  return fc.oneof(
    // One field with a hostile value (wrong type, huge, empty, unicode, SQL, script …).
    fc.tuple(field, hostileValue).map(([name, value]) => encode({ [envelope]: { ...inner, [name]: value } })),
    // Every field hostile.
    fc
      .array(hostileValue, { minLength: fields.length, maxLength: fields.length })
      .map((values) =>
        encode({ [envelope]: Object.fromEntries(fields.map((name, i) => [name, values[i]])) }),
      ),
    // A field missing, or the envelope empty, or the envelope itself hostile.
    field.map((name) =>
      encode({ [envelope]: Object.fromEntries(fields.filter((f) => f !== name).map((f) => [f, inner[f]])) }),
    ),
    fc.constant(encode({ [envelope]: {} })),
    hostileValue.map((value) => encode({ [envelope]: value })),
    // The whole body hostile: a string, a number, an array, null.
    hostileValue.map(encode),
    // Duplicate keys: the hostile copy first or last (JSON.parse keeps the last).
    fc.tuple(field, hostileValue, fc.boolean()).map(([name, value, last]) => {
      const rest = encode(inner).slice(1, -1);
      const duplicate = `${JSON.stringify(name)}:${encode(value)}`;
      return `{"${envelope}":{${last ? `${rest},${duplicate}` : `${duplicate},${rest}`}}}`;
    }),
    // Prototype pollution attempts.
    fc.constantFrom(
      `{"__proto__":{"admin":true},"${envelope}":${encode(inner)}}`,
      `{"${envelope}":{"__proto__":{"admin":true}}}`,
      `{"constructor":{"prototype":{"admin":true}},"${envelope}":${encode(inner)}}`,
    ),
    // Deep nesting, as the body or inside the envelope.
    deepJson,
    deepJson.map((deep) => `{"${envelope}":${deep}}`),
    // Not JSON: truncated, trailing commas, single quotes, NaN, comments, a BOM, nothing.
    fc.integer({ min: 0, max: 40 }).map((n) => encode(valid).slice(0, n)),
    fc.constantFrom(
      '',
      '{',
      '{"a":1,}',
      "{'user':{}}",
      '{"a":NaN}',
      '{"a":1}/* c */',
      `\ufeff${encode(valid)}`,
      'null',
      '[]',
      '"string"',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
    ),
    hostileString,
  );
}

const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 12 },
  {
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      '*/*',
      '',
      'application/json, text/plain',
    ),
    weight: 3,
  },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

// ---------------------------------------------------------------------------------------------------------
// Paths, query strings and tokens

/** Percent-encoded as a client would (UTF-8; a lone surrogate cannot be sent and becomes U+FFFD). */
const urlPart = (value: string) => encodeURIComponent(Buffer.from(value).toString());

/** Header values a real HTTP client can send: no control characters, latin-1 only. */
const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').slice(0, 8_000);

function pathParam(real: string): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constant(urlPart(real)), weight: 2 },
    { arbitrary: hostileString.map((value) => urlPart(value.slice(0, 2_000))), weight: 6 },
    // Raw bytes a client may put in a path: broken percent-encoding, dot segments, separators.
    {
      arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '..', '.', '%2e%2e', 'a%2Fb', '%00'),
      weight: 2,
    },
  );
}

const queryKey = fc.oneof(
  fc.constantFrom('limit', 'offset', 'tag', 'author', 'favorited', 'include', 'limit[]', 'limit[a]'),
  hostileString.map((key) => urlPart(key.slice(0, 100))),
);
const queryValue = fc.oneof(
  fc.constantFrom('-1', '0', '101', '1.5', '1e3', 'abc', '', '9007199254740993', '0x10', ' 5', 'comments'),
  hostileString.map((value) => urlPart(value.slice(0, 5_000))),
  fc.constantFrom('%', '%zz', '%E0%A4%A'),
);
const queryString = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  {
    arbitrary: fc
      .array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 5 })
      .map((pairs) => `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`),
    weight: 3,
  },
  { arbitrary: fc.constantFrom('?', '?&&', '?limit', '?=1', '?%ff=%ff'), weight: 1 },
);

function authorization(targets: HostileTargets): fc.Arbitrary<string | undefined> {
  const { token, id } = targets.intruder;
  const sub = String(id);
  const other = createTokenService('another-secret-another-secret-0123456789', '1h');
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.constant(`Token ${token}`), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        `Bearer ${token}`,
        `Token ${token} extra`,
        `Token  ${token}`,
        'Token',
        'Token ',
        `Token ${createSigner({ key: TEST_JWT_SECRET, expiresIn: 1, clockTimestamp: 1 })({ sub })}`,
        `Token ${createSigner({ algorithm: 'none' })({ sub })}`,
        `Token ${createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS512' })({ sub })}`,
        `Token ${createSigner({ key: TEST_JWT_SECRET })({ sub: '999999999' })}`,
        `Token ${createSigner({ key: TEST_JWT_SECRET })({ sub: "1' OR '1'='1" })}`,
        `Token ${createSigner({ key: TEST_JWT_SECRET })({ nosub: true })}`,
        `Token ${other.sign(id, 0)}`,
        // Signed before a password change (a version the account has not reached stands for any other).
        `Token ${createSigner({ key: TEST_JWT_SECRET })({ sub, ver: 1_000_000 })}`,
        `Token ${token.split('.').slice(0, 2).join('.')}.`,
        `Token ${token.slice(0, -3)}abc`,
      ),
      weight: 4,
    },
    { arbitrary: hostileString.map((value) => headerSafe(`Token ${value}`)), weight: 2 },
  );
}

export type FuzzRequest = Readonly<{
  route: string;
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}>;

function requestFor(route: Route, targets: HostileTargets): fc.Arbitrary<FuzzRequest> {
  const takesBody = route.method === 'POST' || route.method === 'PUT';
  return fc
    .record({
      slug: pathParam(targets.slug),
      username: pathParam(targets.author.username),
      id: fc.oneof(pathParam(String(targets.commentId)), fc.integer().map(String)),
      query: queryString,
      authorization: authorization(targets),
      contentType,
      // Routes with a body sometimes get none; routes without one sometimes get one.
      payload: fc.oneof(
        { arbitrary: bodyText(route), weight: takesBody ? 12 : 1 },
        { arbitrary: fc.constant(undefined), weight: takesBody ? 1 : 5 },
      ),
    })
    .map((parts) => {
      const path = route.path
        .replace(':slug', parts.slug)
        .replace(':username', parts.username)
        .replace(':id', parts.id);
      const headers: Record<string, string> = {};
      if (parts.authorization !== undefined) headers.authorization = parts.authorization;
      if (parts.payload !== undefined && parts.contentType !== undefined) {
        headers['content-type'] = parts.contentType;
      }
      return {
        route: `${route.method} ${route.path}`,
        method: route.method,
        url: `${path}${parts.query}`,
        headers,
        payload: parts.payload,
      };
    });
}

export const hostileRequests = (targets: HostileTargets): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(...ROUTES.map((route) => requestFor(route, targets)));

export const FUZZED_ROUTES: readonly string[] = ROUTES.map((route) => `${route.method} ${route.path}`);
