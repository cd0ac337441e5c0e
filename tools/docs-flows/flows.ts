// The flows documented in docs/flows/: real requests run against a fresh in-memory Gather (embedded PGlite,
// whatever DATABASE_URL says, so that every run draws the same diagrams), each drawn from its own trace.
// Durations are left out of the committed text (timings: false); the shape, what runs serially and what
// overlaps, comes from the measured times of this run.
import type { FastifyInstance } from 'fastify';
import { bootGather } from '../../src/boot.ts';
import { loadConfig } from '../../src/config.ts';
import { traceMarkdown } from '../../src/tracing/mermaid.ts';
import { TraceStore } from '../../src/tracing/trace-store.ts';
import { checkSession } from '../harness/factories.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type FlowRequest = Readonly<{ method: Method; url: string; token?: string; body?: object }>;

/** What the flows act on: an author with one article, a reader who follows the author and has commented. */
type Fixture = Readonly<{ authorToken: string; readerToken: string; slug: string }>;

export type Flow = Readonly<{
  /** The file under docs/flows/, without .md. */
  name: string;
  title: string;
  /** Markdown: what the request does and why its round trips are serial or concurrent. */
  about: string;
  requests(fixture: Fixture): FlowRequest[];
}>;

const AUTHOR = { username: 'jake', email: 'jake@example.com', password: 'jakejake1' };
const READER = { username: 'ann', email: 'ann@example.com', password: 'annann12' };
const ARTICLE = {
  title: 'How to train your dragon',
  description: 'Ever wonder how?',
  body: 'You have to believe.',
  tagList: ['dragons', 'training'],
};

export const FLOWS: readonly Flow[] = [
  {
    name: 'register',
    title: 'Register',
    about:
      'One insert. A taken email or username is detected by the insert itself (`on conflict do nothing`), ' +
      'not by a read before it: one round trip, and no race between two sign-ups with the same name (only ' +
      'after a conflict does a second read say which field is taken). Before the insert, the password is ' +
      'hashed in a hashing thread (the Hash pool participant): CPU work off the event loop, awaited like I/O.',
    requests: () => [
      {
        method: 'POST',
        url: '/api/users',
        body: { user: { username: 'newcomer', email: 'newcomer@example.com', password: 'newcomer1' } },
      },
    ],
  },
  {
    name: 'login',
    title: 'Log in',
    about:
      'One read of the user by email; the password is then checked against the stored hash in a hashing ' +
      'thread and a token is signed. Nothing else waits on the database.',
    requests: () => [
      {
        method: 'POST',
        url: '/api/users/login',
        body: { user: { email: AUTHOR.email, password: AUTHOR.password } },
      },
    ],
  },
  {
    name: 'list-articles',
    title: 'List articles',
    about:
      'A page of articles is two independent reads, issued together: the page itself (tags, `favorited` ' +
      'and `following` are per-row subqueries, so one query whatever the `limit`: no N+1) and its ' +
      '`articlesCount`, read from a counter that triggers keep exact. They overlap: a `par` block.',
    requests: ({ readerToken }) => [{ method: 'GET', url: '/api/articles?limit=10', token: readerToken }],
  },
  {
    name: 'feed',
    title: 'Feed',
    about:
      'Two dependent reads, in order: the reader’s feed counters (authors followed, their articles, all ' +
      'articles; kept by triggers), then the page, found the way those counters say is cheaper: the newest ' +
      'of each followed author, or the newest articles checked against the reader’s follows.',
    requests: ({ readerToken }) => [{ method: 'GET', url: '/api/articles/feed', token: readerToken }],
  },
  {
    name: 'article-with-comments',
    title: 'Article with comments',
    about:
      'The lecture’s example. The article and its comments do not depend on each other (comments are found ' +
      'by slug), so `GET /api/articles/:slug?include=comments` reads both at once: a `par` block, and the ' +
      'response takes about one round trip instead of two.',
    requests: ({ readerToken, slug }) => [
      { method: 'GET', url: `/api/articles/${slug}?include=comments`, token: readerToken },
    ],
  },
  {
    name: 'post-comment',
    title: 'Post a comment',
    about:
      'The insert finds the article by slug inside the statement itself (no read before it), and the ' +
      'response needs the commenter’s profile, which does not depend on the insert: the two run together.',
    requests: ({ readerToken, slug }) => [
      {
        method: 'POST',
        url: `/api/articles/${slug}/comments`,
        token: readerToken,
        body: { comment: { body: 'Thank you, it worked.' } },
      },
    ],
  },
  {
    name: 'favorite',
    title: 'Favorite an article',
    about:
      'A write whose response depends on it: the favorite is recorded first, and only then is the article ' +
      'read back (its `favoritesCount` must include this favorite). The round trips stay serial, and the ' +
      'diagram shows them one after the other.',
    requests: ({ readerToken, slug }) => [
      { method: 'POST', url: `/api/articles/${slug}/favorite`, token: readerToken },
    ],
  },
];

const HEADER =
  '<!-- Generated by `npm run docs:flows` from real traces (tools/docs-flows/flows.ts). Do not edit. -->';

/** The `gather trace` command that draws the same request with its timings (quoted for any shell). */
function traceCommandLine(request: FlowRequest): string {
  const url = /^[\w/.-]+$/.test(request.url) ? request.url : `'${request.url}'`;
  const parts = ['npm run gather -- trace', request.method, url];
  if (request.token !== undefined) parts.push('--token "$TOKEN"');
  if (request.body !== undefined) parts.push(`--data '${JSON.stringify(request.body)}'`);
  return parts.join(' ');
}

async function send(app: FastifyInstance, request: FlowRequest) {
  const response = await app.inject({
    method: request.method,
    url: request.url,
    headers: request.token === undefined ? {} : { authorization: `Token ${request.token}` },
    ...(request.body !== undefined && { payload: request.body }),
  });
  if (response.statusCode >= 400) {
    throw new Error(`${request.method} ${request.url} answered ${response.statusCode}: ${response.body}`);
  }
  return response;
}

async function createFixture(app: FastifyInstance): Promise<Fixture> {
  const tokenOf = async (user: typeof AUTHOR) =>
    (await send(app, { method: 'POST', url: '/api/users', body: { user } })).json().user.token as string;
  const authorToken = await tokenOf(AUTHOR);
  const readerToken = await tokenOf(READER);
  await send(app, { method: 'POST', url: `/api/profiles/${AUTHOR.username}/follow`, token: readerToken });
  const created = await send(app, {
    method: 'POST',
    url: '/api/articles',
    token: authorToken,
    body: { article: ARTICLE },
  });
  const slug = created.json().article.slug as string;
  await send(app, {
    method: 'POST',
    url: `/api/articles/${slug}/comments`,
    token: readerToken,
    body: { comment: { body: 'Great article!' } },
  });
  return { authorToken, readerToken, slug };
}

function flowMarkdown(flow: Flow, drawn: readonly { request: FlowRequest; markdown: string }[]): string {
  const sections = drawn.map(
    ({ request, markdown }) =>
      `${markdown}\nThe same request with its timings: \`${traceCommandLine(request)}\`\n`,
  );
  return `${HEADER}\n\n# ${flow.title}\n\n${flow.about}\n\n${sections.join('\n')}`;
}

function indexMarkdown(flows: readonly Flow[]): string {
  const items = flows.map((flow) => `- [${flow.title}](${flow.name}.md)`);
  return `${HEADER}

# Flows

Each page is one request of the RealWorld API as Gather runs it, drawn as a Mermaid sequence diagram from
its live trace: Client → Gather → Database, numbered arrows, calls solid and replies dashed, round trips that
overlap grouped in a \`par\` block. Durations are left out here so that the pages are the same on every run;
\`gather trace\` and \`/_gather/traces\` show them.

${items.join('\n')}
`;
}

/** The session check's own read (src/features/users/sessions.ts), which a steady-state request does not make. */
const SESSION_LOOKUP = /^select "credentials_version" as "version" from "users"/;

/**
 * The request's trace in the steady state: a signed-in user's session checked just before, as a busy user's
 * is. The check is trusted for a second; on a loaded machine that second can end before the request is read,
 * and the request then looks the session up again: such a trace is not drawn, the request is sent again.
 */
async function steadyTrace(app: FastifyInstance, traces: TraceStore, request: FlowRequest) {
  for (let attempt = 1; ; attempt++) {
    if (request.token !== undefined) await checkSession(app, request.token);
    const response = await send(app, request);
    const trace = traces.get(String(response.headers['x-trace-id']));
    if (trace === undefined) throw new Error(`${request.method} ${request.url} left no trace`);
    const lookedUp =
      request.token !== undefined && trace.spans.some((span) => SESSION_LOOKUP.test(span.name));
    if (!lookedUp || attempt === 3) return trace;
  }
}

/** Runs every flow on a fresh in-memory database and returns the Markdown files, keyed by file name. */
export async function generateFlowDocs(flows: readonly Flow[] = FLOWS): Promise<Map<string, string>> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    GATHER_TRACE: '1',
    GATHER_METRICS: '0',
    GATHER_DATA_DIR: 'memory://',
  });
  const traces = new TraceStore(100);
  const { app, close } = await bootGather({
    config,
    migrations: 'apply',
    holder: 'npm run docs:flows',
    traces,
  });
  try {
    const fixture = await createFixture(app);
    const files = new Map<string, string>([['README.md', indexMarkdown(flows)]]);
    for (const flow of flows) {
      const drawn = [];
      for (const request of flow.requests(fixture)) {
        const trace = await steadyTrace(app, traces, request);
        drawn.push({ request, markdown: traceMarkdown(trace, { timings: false }) });
      }
      files.set(`${flow.name}.md`, flowMarkdown(flow, drawn));
    }
    return files;
  } finally {
    await close();
  }
}
