// The seeded text (src/seed/texts.ts): readable sentences in English and Korean, Korean particles that fit
// their words, one article in ten in Korean, words with a natural spread (a few common, many rare), and the
// same rows on every run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate, type SeedSize, SIZES, type Value } from '../../src/seed/dataset.ts';
import { KOREAN_EVERY, SERIES, withParticle } from '../../src/seed/texts.ts';

function articles(size: SeedSize): Value[][] {
  return [
    ...generate(size)
      .find((load) => load.table === 'articles')!
      .chunks(),
  ].flat();
}

const HANGUL = /[\uac00-\ud7a3]/;

test('Korean particles follow the word: 을/를, 은/는, 이/가, 과/와, 이다/다', () => {
  assert.equal(withParticle('인덱스', '을'), '인덱스를');
  assert.equal(withParticle('잠금', '을'), '잠금을');
  assert.equal(withParticle('쿼리', '은'), '쿼리는');
  assert.equal(withParticle('트랜잭션', '이'), '트랜잭션이');
  assert.equal(withParticle('캐시', '과'), '캐시와');
  assert.equal(withParticle('큐', '이다'), '큐다');
  assert.equal(withParticle('로그', '이었다'), '로그였다');
});

test('articles read as sentences: English ones capitalised, all ending in a full stop, no word twice in a row', () => {
  for (const [id, slug, title, description, body] of articles(SIZES.demo)) {
    assert.match(String(slug), /^[\p{L}\p{N}-]+$/u, 'a slug of letters, digits and hyphens');
    assert.ok(String(title).length > 10, String(title));
    for (const text of [String(description), ...String(body).split('\n\n')]) {
      if (Number(id) % KOREAN_EVERY !== 0) assert.match(text, /^[A-Z]/, text);
      assert.match(text, /[.?]$/, text);
      assert.doesNotMatch(text, /(^|\s)(\S+) \2(\s|$)/u, text);
    }
  }
});

test(`one article in ${KOREAN_EVERY} is written in Korean, title to body; the others in English`, () => {
  const rows = articles(SIZES.quick);
  const korean = rows.filter(([id]) => Number(id) % KOREAN_EVERY === 0);
  assert.equal(korean.length, rows.length / KOREAN_EVERY);
  for (const [id, , title, description, body] of rows) {
    const inKorean = Number(id) % KOREAN_EVERY === 0;
    for (const text of [title, description, body])
      assert.equal(HANGUL.test(String(text)), inKorean, String(text));
  }
});

test('words spread as in real writing: a few series are common, most are rare', () => {
  const counts = new Map<string, number>();
  const rows = articles(SIZES.bench);
  for (const [, , , , body] of rows) {
    const series = /(?:our (\S+ \S+) series\.|이 글은 (\S+ \S+) 시리즈의 하나입니다\.)$/.exec(String(body));
    const name = series?.[1] ?? series?.[2];
    assert.ok(name !== undefined && SERIES.includes(name), 'every article names its series');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const sorted = [...counts.values()].sort((a, b) => b - a);
  assert.ok(sorted[0]! > rows.length / 100, `the most common series holds ${sorted[0]} articles`);
  const rare = sorted.filter((count) => count <= 3).length;
  assert.ok(rare >= 200, `${rare} series hold three articles or fewer`);
});

test('the same size gives the same rows', () => {
  assert.deepEqual(articles(SIZES.demo), articles(SIZES.demo));
});
