// GET /articles/:slug/stream: the article, its comments and its author as NDJSON, one part per line, each
// written the moment its query finishes (asCompleted), so a client can show the fast parts first. Each write
// goes through the instrumentation hook ('flush'): the trace page shows when each part left.
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { asCompleted } from '../../http/as-completed.ts';
import { fromDatabaseError } from '../../http/error-handler.ts';
import { GatherError, internal, notFound } from '../../http/errors.ts';
import { errorResponses, SlugParams } from '../../http/schemas.ts';
import { Type } from '../../http/typebox.ts';
import type { Instrument } from '../../instrument.ts';
import { presentComment } from '../comments/comments.present.ts';
import type { Deps } from '../deps.ts';
import { presentProfile } from '../profiles/profiles.present.ts';
import { presentArticle } from './articles.present.ts';
import { ArticleStreamPart, type ArticleStreamPartDto } from './articles.schemas.ts';

const NDJSON = 'application/x-ndjson';

/** undefined: the part's query found no article with this slug. */
type PartResult = ArticleStreamPartDto | undefined;

const line = (part: ArticleStreamPartDto): string => `${JSON.stringify(part)}\n`;

function errorPart(error: unknown, log: FastifyBaseLogger): ArticleStreamPartDto {
  const known = error instanceof GatherError ? error : fromDatabaseError(error);
  if (known === undefined) log.error({ err: error }, 'article stream: a part failed');
  return { part: 'error', errors: { body: [...(known ?? internal()).messages] } };
}

/** Resolves when `body` has taken `text` (at once, unless the client reads slower than Gather writes). */
function write(body: PassThrough, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    body.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Writes the first part (already read), then the others as they complete; a failure becomes the last line.
 * Ends `body` in every case. A write that fails (the client left) stops it: nobody is there to read the rest.
 */
async function writeParts(
  body: PassThrough,
  first: ArticleStreamPartDto,
  rest: AsyncIterable<PartResult>,
  log: FastifyBaseLogger,
  instrument: Instrument,
): Promise<void> {
  const send = (part: ArticleStreamPartDto) => {
    const text = line(part);
    return instrument('flush', `NDJSON part: ${part.part} (${Buffer.byteLength(text)} bytes)`, 'Client', () =>
      write(body, text),
    );
  };
  try {
    await send(first);
    try {
      for await (const part of rest) {
        // The article went away between two parts' queries (deleted meanwhile).
        if (part === undefined) throw notFound('article');
        await send(part);
      }
    } catch (error) {
      if (body.destroyed) return;
      await send(errorPart(error, log));
    }
  } catch {
    // Only a write fails out here: the response stream was destroyed, the client is gone.
  } finally {
    body.end();
  }
}

export function articleStreamRoutes({
  queries: { articles, comments, profiles },
  instrument,
}: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/articles/:slug/stream', {
      config: { auth: 'optional' },
      schema: {
        tags: ['Articles'],
        operationId: 'StreamArticle',
        summary: 'Stream an article, its comments and its author as each is read',
        description:
          'NDJSON (`application/x-ndjson`): one JSON object per line, `{"part":"article"|"comments"|"author",…}`, ' +
          'in the order their queries finish (as_completed), each flushed at once. An unknown slug is a plain ' +
          '404 before the stream starts; a failure after it started is sent as a last `{"part":"error"}` line.',
        params: SlugParams,
        response: {
          200: {
            description: 'One part per line, in completion order',
            content: { [NDJSON]: { schema: Type.Ref(ArticleStreamPart) } },
          },
          ...errorResponses(404),
        },
      },
      handler: async (request, reply) => {
        const { slug } = request.params;
        const viewerId = request.viewerId;
        // Each part's query also tells whether the article exists, so the first to finish decides 404.
        const parts = asCompleted<PartResult>([
          articles
            .bySlug(slug, viewerId)
            .then((row) =>
              row === undefined ? undefined : { part: 'article', article: presentArticle(row) },
            ),
          Promise.all([comments.articleExists(slug), comments.bySlug(slug, viewerId)]).then(
            ([exists, rows]) =>
              exists ? { part: 'comments', comments: rows.map(presentComment) } : undefined,
          ),
          profiles
            .authorOfArticle(slug, viewerId)
            .then((row) => (row === undefined ? undefined : { part: 'author', author: presentProfile(row) })),
        ]);
        const first = await parts.next();
        if (first.done === true || first.value === undefined) throw notFound('article');
        // The body is a stream of parts, not one value of the schema: sent through the untyped reply.
        const streaming: FastifyReply = reply;
        const body = new PassThrough();
        // Started here, in the request's async context: its writes are spans of the request's trace.
        void writeParts(body, first.value, parts, request.log, instrument);
        return streaming.type(NDJSON).send(body);
      },
    });
  };
}
