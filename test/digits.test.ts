import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupDigits } from '../src/digits.ts';

test('groupDigits writes an integer as toLocaleString("en-US") does', () => {
  for (const n of [
    0,
    7,
    999,
    1_000,
    12_345,
    999_999,
    1_000_000,
    1_234_567_890,
    -1_234,
    Number.MAX_SAFE_INTEGER,
  ]) {
    assert.equal(groupDigits(n), n.toLocaleString('en-US'));
  }
});
