// The serial way of reading an article and its comments, traced: await the article, then await the comments
// (what a sync framework does), each read as GET /api/articles/:slug?include=comments issues it. The
// concurrent way is that request itself (its handler awaits both reads together). The latency lab times the
// two; the trace viewer's browser test draws and compares them.
import { randomUUID } from 'node:crypto';
import type { Queries } from '../../src/features/queries.ts';
import { monotonicNow, newTrace, type RequestTrace, runInTrace } from '../../src/tracing/recorder.ts';

/** The concurrent flow: one request. */
export const concurrentArticleUrl = (slug: string): string => `/api/articles/${slug}?include=comments`;

/** The serial flow, in a trace of its own (labelled as such: no request carries it). */
export async function traceSerialArticleWithComments(
  { articles, comments }: Queries,
  slug: string,
): Promise<RequestTrace> {
  const trace = newTrace(randomUUID(), 'GET', `/api/articles/${slug} (article, then comments)`);
  await runInTrace(trace, async () => {
    if ((await articles.bySlug(slug, null)) === undefined) throw new Error(`no article ${slug}`);
    await comments.bySlug(slug, null);
  });
  trace.end = monotonicNow();
  trace.status = 200;
  return trace;
}
