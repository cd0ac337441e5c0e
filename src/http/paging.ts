// Paging of the article lists and the feed: RealWorld's limit and offset, bounded, and Gather's keyset cursors,
// announced in a Link header (RFC 8288) and accepted back as `cursor`. An offset page costs every row it
// skips; a cursor page costs its own rows only, however deep it is.
import type { Static, TSchema } from '@sinclair/typebox';
import { invalid } from './errors.ts';
import { Type } from './typebox.ts';

/** The deepest offset served: deeper pages are refused with a pointer to the cursor (GitLab's bound). */
export const MAX_OFFSET = 10_000;

const CURSOR_PATTERN = '^(before|after):[1-9][0-9]{0,9}$';

/**
 * A parameter a client may leave out (not required in OpenAPI, as in RealWorld) that the handler always sees:
 * validation fills in its `default` (useDefaults, http/validation.ts), so its static type stays required.
 */
const Defaulted = <T extends TSchema>(schema: T): T => Type.Optional(schema) as unknown as T;

export const Paging = Type.Object({
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size' })),
  offset: Defaulted(
    Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 0,
      description: `Items to skip; past ${MAX_OFFSET} refused (422): follow the Link header's cursors instead`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      pattern: CURSOR_PATTERN,
      description:
        'Gather extension: `before:<id>` (older articles) or `after:<id>` (newer ones), as the Link header ' +
        'gives them (rel="next", rel="prev"); the offset then counts from the cursor',
      examples: ['before:1042'],
    }),
  ),
});

type PagingQuery = Static<typeof Paging>;

/** Where a page starts: articles older than `before`, or newer than `after`, after skipping `offset`. */
export type PageWindow = Readonly<{
  direction: 'before' | 'after';
  id: number;
  limit: number;
  offset: number;
}>;

/** Past every article id (ids are int4): the newest page's `before`. */
export const NEWEST_ID = 2_147_483_647;

/** The page a query asks for; a 422 that says how to read further when its offset is past MAX_OFFSET. */
export function pageWindow({ limit, offset, cursor }: PagingQuery): PageWindow {
  if (offset > MAX_OFFSET) {
    throw invalid(
      `offset can't be more than ${MAX_OFFSET}; read further with the cursor of the Link header's ` +
        'rel="next" (cursor=before:<id>)',
    );
  }
  if (cursor === undefined) return { direction: 'before', id: NEWEST_ID, limit, offset };
  const [direction, id] = cursor.split(':') as ['before' | 'after', string];
  const parsed = Number(id);
  if (parsed > NEWEST_ID) throw invalid(`cursor id can't be more than ${NEWEST_ID}`);
  return { direction, id: parsed, limit, offset };
}

/**
 * The Link header of a page whose articles have `ids` (newest first): rel="first" always; rel="next" (older)
 * when there is more in that direction; rel="prev" (newer) when the page did not start at the newest.
 * `hasMore` says whether a row past the page was found in the window's own direction.
 */
export function pageLinks(url: string, window: PageWindow, ids: readonly number[], hasMore: boolean): string {
  const [path, query = ''] = url.split('?', 2) as [string, string?];
  const linkTo = (cursor: string | undefined, rel: string) => {
    const params = new URLSearchParams(query);
    params.delete('offset');
    params.delete('cursor');
    if (cursor !== undefined) params.set('cursor', cursor);
    const search = params.toString();
    return `<${path}${search === '' ? '' : `?${search}`}>; rel="${rel}"`;
  };
  const links = [linkTo(undefined, 'first')];
  const newest = ids[0];
  const oldest = ids.at(-1);
  const started = window.direction === 'after' || window.id !== NEWEST_ID || window.offset > 0;
  const olderExist = window.direction === 'before' ? hasMore : true;
  const newerExist = window.direction === 'after' ? hasMore : started;
  if (oldest !== undefined && olderExist) links.push(linkTo(`before:${oldest}`, 'next'));
  if (newest !== undefined && newerExist) links.push(linkTo(`after:${newest}`, 'prev'));
  return links.join(', ');
}
