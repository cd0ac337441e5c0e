// The fuzzer: fast-check generates sequences of requests, stateful steps whose values are drawn from the data
// that exists when each one runs (fuzz/steps.ts, fuzz/plan.ts) mixed with hostile requests for every route
// (fuzz/hostile.ts), and each answer is checked: never a 5xx; every 4xx in RealWorld form; a stateful step
// answered as the data predicts (a taken username or email: 422 naming it; a taken slug: a suffix); a
// rejected request leaves the database exactly as it was (a fingerprint of every table); after an accepted
// write, the data holds what it wrote and every counter kept by a trigger equals the rows it counts.
// Used by fuzz.test.ts (fixed seed, small count) and `npm run reliability -- fuzz` (full count).
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { call, createArticle, registerUser } from './factories.ts';
import { fingerprinter, readSnapshot, type Snapshot, trim, wrongCounters } from './fuzz/database.ts';
import { type FuzzRequest, type HostileTargets, hostileRequests } from './fuzz/hostile.ts';
import { type Body, type Expectation, plan } from './fuzz/plan.ts';
import { type StepKind, stateSteps } from './fuzz/steps.ts';

/** The app, its database, and what the hostile requests aim at (the author never acts in a sequence, so
 * that its article and comment stay there). */
export type FuzzWorld = HostileTargets &
  Readonly<{ app: FastifyInstance; database: Database; authorId: number }>;

const userIdOf = (token: string) =>
  Number(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub);

export async function prepareWorld(app: FastifyInstance, database: Database): Promise<FuzzWorld> {
  const author = await registerUser(app);
  const intruder = await registerUser(app);
  // Two more users with an article each: the first sequences have others' values to collide with.
  for (let i = 0; i < 2; i++) await createArticle(app, (await registerUser(app)).token);
  const article = await createArticle(app, author.token, { tagList: ['fuzz'] });
  const comment = await call(app, 'POST', `/api/articles/${article.slug}/comments`, {
    token: author.token,
    body: { comment: { body: 'first' } },
  });
  return {
    app,
    database,
    authorId: userIdOf(author.token),
    intruder: { id: userIdOf(intruder.token), token: intruder.token },
    author: { username: author.username },
    slug: article.slug,
    commentId: comment.body.comment.id,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Answers

/** Why a response breaks the contract, or undefined when it keeps it. */
export function contractBreach(status: number, contentTypeHeader: unknown, body: string): string | undefined {
  if (status >= 500) return `status ${status}`;
  if (status < 400) return undefined;
  if (!String(contentTypeHeader).startsWith('application/json')) return `${status} without a JSON body`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `${status} with a body that is not JSON`;
  }
  const messages = (parsed as { errors?: { body?: unknown } } | null)?.errors?.body;
  const realWorld =
    Array.isArray(messages) &&
    messages.length > 0 &&
    messages.every((message) => typeof message === 'string') &&
    Object.keys(parsed as object).length === 1;
  return realWorld ? undefined : `${status} not in RealWorld form: ${body.slice(0, 200)}`;
}

/** Why a stateful step's answer is not the one its snapshot predicted, or undefined. */
function expectationBreach(expect: Expectation, status: number, body: Body): string | undefined {
  if (status !== expect.status) {
    return `expected ${expect.status}, got ${status} ${JSON.stringify(body)?.slice(0, 200)}`;
  }
  const conflicts = expect.conflicts ?? [];
  if (status !== 422 || conflicts.length === 0) return undefined;
  const named = conflicts.map((field) => `${field} has already been taken`);
  const messages: string[] = body?.errors?.body ?? [];
  const right = expect.namesEvery
    ? messages.length === named.length && named.every((message) => messages.includes(message))
    : messages.length === 1 && named.includes(messages[0]!);
  return right ? undefined : `expected ${named.join(' and ')}, got ${JSON.stringify(messages)}`;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** What is wrong with an accepted write's answer or data; an answer that cannot be read is wrong too. */
function written(expect: Expectation, body: Body, next: Snapshot): string | undefined {
  try {
    return expect.after?.(body, next);
  } catch (error) {
    return `the answer could not be read: ${error}`;
  }
}

/** An answer's JSON; undefined for an empty or unparsable body (the contract check reports the latter). */
function parsed(text: string): Body {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function send(app: FastifyInstance, request: FuzzRequest) {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    app.inject({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.payload !== undefined && { payload: request.payload }),
    }),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), REQUEST_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

function describeRequest(request: FuzzRequest): string {
  const cut = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text);
  return `${request.method} ${cut(request.url)} ${JSON.stringify(request.headers)} ${cut(JSON.stringify(request.payload) ?? '')}`;
}

// ---------------------------------------------------------------------------------------------------------
// The run

export type Breach = Readonly<{
  sequence: number;
  step: number;
  request: string;
  status: number;
  reason: string;
}>;

export type FuzzReport = {
  sequences: number;
  requests: number;
  byStatus: Map<number, number>;
  byRoute: Map<string, number>;
  byStep: Map<StepKind | 'hostile', number>;
  /** Unique keys that stateful steps ran into (each answered as predicted, or a breach). */
  conflicts: Map<string, number>;
  rejected: number;
  rejectedUnchanged: number;
  /** Accepted writes: each followed by the check of what it wrote and of the counters. */
  writes: number;
  breaches: Breach[];
  millis: number;
};

const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/** A sequence: one to eight steps, two stateful for one hostile. */
const sequenceOf = (world: FuzzWorld) =>
  fc.array(
    fc.oneof(
      { weight: 2, arbitrary: stateSteps },
      {
        weight: 1,
        arbitrary: hostileRequests(world).map((request) => ({ kind: 'hostile' as const, request })),
      },
    ),
    { minLength: 1, maxLength: 8 },
  );

/** Runs `runs` generated sequences one after another and checks each answer. Never throws on a breach. */
export async function fuzz(world: FuzzWorld, options: { seed: number; runs: number }): Promise<FuzzReport> {
  const fingerprint = await fingerprinter(world.database);
  const report: FuzzReport = {
    sequences: 0,
    requests: 0,
    byStatus: new Map(),
    byRoute: new Map(),
    byStep: new Map(),
    conflicts: new Map(),
    rejected: 0,
    rejectedUnchanged: 0,
    writes: 0,
    breaches: [],
    millis: 0,
  };
  const keep = { userIds: [world.authorId, world.intruder.id], slug: world.slug, commentId: world.commentId };
  let snapshot: Snapshot | undefined;
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(sequenceOf(world), async (steps) => {
      report.sequences += 1;
      await trim(world.database, keep);
      snapshot = await readSnapshot(world.database, snapshot);
      let baseline = await fingerprint();
      for (const [index, step] of steps.entries()) {
        const { request, expect } =
          step.kind === 'hostile'
            ? { request: step.request, expect: undefined }
            : plan(step, snapshot, world.authorId);
        const breach = (status: number, reason: string) =>
          report.breaches.push({
            sequence: report.sequences,
            step: index + 1,
            request: describeRequest(request),
            status,
            reason,
          });
        const response = await send(world.app, request);
        report.requests += 1;
        count(report.byRoute, request.route);
        count(report.byStep, step.kind);
        if (response === undefined) {
          breach(0, `no answer within ${REQUEST_TIMEOUT_MS} ms`);
          continue;
        }
        const status = response.statusCode;
        count(report.byStatus, status);
        const body = expect === undefined ? undefined : parsed(response.body);
        for (const field of expect?.conflicts ?? []) count(report.conflicts, field);
        const wrongAnswer =
          contractBreach(status, response.headers['content-type'], response.body) ??
          (expect && expectationBreach(expect, status, body));
        if (wrongAnswer !== undefined) breach(status, wrongAnswer);
        if (status >= 400) {
          report.rejected += 1;
          const after = await fingerprint();
          if (after === baseline) report.rejectedUnchanged += 1;
          else breach(status, 'the database changed although the request was rejected');
          baseline = after;
        } else if (request.method !== 'GET') {
          report.writes += 1;
          baseline = await fingerprint();
          snapshot = await readSnapshot(world.database, snapshot);
          for (const reason of await wrongCounters(world.database)) breach(status, reason);
          // What it wrote, when it was the answer predicted (otherwise that is the breach already).
          const unwritten = expect?.status === status ? written(expect, body, snapshot) : undefined;
          if (unwritten !== undefined) breach(status, unwritten);
        }
      }
    }),
    { seed: options.seed, numRuns: options.runs, endOnFailure: true },
  );
  report.millis = performance.now() - started;
  return report;
}

const figures = <K>(map: Map<K, number>) =>
  [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, n]) => `${key}×${n}`)
    .join('  ');

export function formatReport(report: FuzzReport, seed: number): string {
  const fivexx = [...report.byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
  const lines = [
    `fuzz: seed ${seed}, ${report.sequences} sequences, ${report.requests} requests over ${report.byRoute.size} routes in ${(report.millis / 1000).toFixed(1)} s`,
    `  steps           ${figures(report.byStep)}`,
    `  statuses        ${figures(report.byStatus)}`,
    `  5xx             ${fivexx}`,
    `  unique keys hit ${figures(report.conflicts)}`,
    `  rejected (4xx)  ${report.rejected}, database unchanged after ${report.rejectedUnchanged} of them`,
    `  accepted writes ${report.writes}, each checked: the data written, counters equal to their rows`,
    `  breaches        ${report.breaches.length}`,
    ...report.breaches
      .slice(0, 10)
      .map((b) => `    sequence ${b.sequence} step ${b.step}: ${b.status} ${b.reason}\n      ${b.request}`),
  ];
  return lines.join('\n');
}
