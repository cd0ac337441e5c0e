// A small HTTP client for the scenarios: fetch with a deadline, JSON in and out, and a write load that
// remembers every write the server acknowledged.
import { request as httpRequest } from 'node:http';

export type Answer = Readonly<{ status: number; body: unknown; retryAfter: string | null }>;

export type CallOptions = { token?: string; body?: unknown; timeoutMs?: number };

/** One request. Throws on a network error (refused, reset) or when no answer comes within timeoutMs. */
export async function api(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.token !== undefined && { authorization: `Token ${options.token}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    retryAfter: response.headers.get('retry-after'),
  };
}

export type AnswerFrom = Answer & Readonly<{ setCookie: string | undefined }>;

/**
 * One request sent from `localAddress` (any of 127.0.0.0/8 is this host's), so that a balancer in front sees
 * another client address; `headers` are added as given (a Cookie, an X-Forwarded-For). Throws like api().
 */
export function apiFrom(
  localAddress: string,
  base: string,
  method: string,
  path: string,
  options: CallOptions & { headers?: Readonly<Record<string, string>> } = {},
): Promise<AnswerFrom> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${base}${path}`,
      {
        localAddress,
        method,
        headers: {
          ...(options.token !== undefined && { authorization: `Token ${options.token}` }),
          ...(payload !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          }),
          ...options.headers,
        },
        timeout: timeoutMs,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => {
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            body: text === '' ? undefined : JSON.parse(text),
            retryAfter: retryAfter ?? null,
            setCookie: response.headers['set-cookie']?.[0],
          });
        });
      },
    );
    request.on('timeout', () =>
      request.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })),
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** Registers a user through the API and returns its token. */
export async function signUp(base: string, username: string): Promise<string> {
  const answer = await api(base, 'POST', '/api/users', {
    body: { user: { username, email: `${username}@example.com`, password: 'password123' } },
  });
  if (answer.status !== 201)
    throw new Error(`sign-up failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body as { user: { token: string } }).user.token;
}

export type WriteLoad = Readonly<{
  /** Slugs of the articles whose creation the server answered with 201. */
  acknowledged: readonly string[];
  /** Requests that got no 201: refused, reset, timed out or answered with an error. */
  failed(): number;
  /** How many requests ended each way: a status code, or "network error". */
  outcomes(): ReadonlyMap<string, number>;
  /** Stops issuing writes and waits for the ones in flight to settle. */
  stop(): Promise<void>;
}>;

/** `concurrency` clients creating articles back to back until stopped. */
export function startWriteLoad(base: string, token: string, concurrency: number, label: string): WriteLoad {
  const acknowledged: string[] = [];
  const outcomes = new Map<string, number>();
  const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  let failed = 0;
  let running = true;
  let sequence = 0;
  const client = async () => {
    while (running) {
      sequence += 1;
      const title = `${label} ${sequence}`;
      try {
        const answer = await api(base, 'POST', '/api/articles', {
          token,
          body: { article: { title, description: 'write load', body: 'acknowledged writes must survive' } },
        });
        count(String(answer.status));
        if (answer.status === 201)
          acknowledged.push((answer.body as { article: { slug: string } }).article.slug);
        else failed += 1;
      } catch {
        count('network error');
        failed += 1;
        // The server is gone: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    acknowledged,
    failed: () => failed,
    outcomes: () => outcomes,
    stop: async () => {
      running = false;
      await Promise.all(clients);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
