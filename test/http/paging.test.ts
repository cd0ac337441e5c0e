import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatherError } from '../../src/http/errors.ts';
import { MAX_OFFSET, pageLinks, pageWindow } from '../../src/http/paging.ts';

const NEWEST = 2_147_483_647;

test('a window starts at the newest, at a cursor, or is refused past MAX_OFFSET with a pointer to the cursor', () => {
  assert.deepEqual(pageWindow({ limit: 20, offset: 40 }), {
    direction: 'before',
    id: NEWEST,
    limit: 20,
    offset: 40,
  });
  assert.deepEqual(pageWindow({ limit: 5, offset: 0, cursor: 'after:17' }), {
    direction: 'after',
    id: 17,
    limit: 5,
    offset: 0,
  });
  assert.equal(pageWindow({ limit: 5, offset: MAX_OFFSET }).offset, MAX_OFFSET);
  assert.throws(
    () => pageWindow({ limit: 5, offset: MAX_OFFSET + 1 }),
    (error: GatherError) => error.statusCode === 422 && /cursor=before:<id>/.test(error.messages[0]!),
  );
  assert.throws(() => pageWindow({ limit: 5, offset: 0, cursor: 'before:9999999999' }), GatherError);
});

test('Link: first always; next when older articles follow; prev when the page is not the newest', () => {
  const url = '/api/articles?tag=x&limit=3&offset=3';
  const deep = pageWindow({ limit: 3, offset: 3 });
  assert.equal(
    pageLinks(url, deep, [9, 8, 7], true),
    '</api/articles?tag=x&limit=3>; rel="first", </api/articles?tag=x&limit=3&cursor=before%3A7>; rel="next", ' +
      '</api/articles?tag=x&limit=3&cursor=after%3A9>; rel="prev"',
  );
  const newest = pageWindow({ limit: 3, offset: 0 });
  assert.equal(
    pageLinks('/api/articles', newest, [9, 8, 7], true),
    '</api/articles>; rel="first", </api/articles?cursor=before%3A7>; rel="next"',
  );
  assert.equal(pageLinks('/api/articles', newest, [9, 8], false), '</api/articles>; rel="first"');
  // Newer than a cursor: older ones exist (the cursor came from there); newer ones only if the window went on.
  const newer = pageWindow({ limit: 2, offset: 0, cursor: 'after:5' });
  assert.equal(
    pageLinks('/api/articles/feed?cursor=after:5', newer, [7, 6], false),
    '</api/articles/feed>; rel="first", </api/articles/feed?cursor=before%3A6>; rel="next"',
  );
  assert.match(pageLinks('/api/articles/feed', newer, [7, 6], true), /cursor=after%3A7>; rel="prev"$/);
  assert.equal(pageLinks('/api/articles', newer, [], false), '</api/articles>; rel="first"');
});
