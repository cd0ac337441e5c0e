// Password hashing with scrypt in low-priority hashing threads (hash-pool.ts): the event loop never waits
// for the KDF, and never waits for a core behind one either.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { recordSpan } from '../../tracing/recorder.ts';
import { scryptInPool } from './hash-pool.ts';

/** scrypt cost: N=2^14, r=8, p=1 (16 MiB, ~80 ms per hash on one core here). Stored with each hash. */
export const SCRYPT_PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  // A span of its own, so a register or login diagram shows where its time goes.
  return recordSpan('io', `scrypt N=${N} r=${r} p=${p}`, 'Hash pool', () =>
    scryptInPool(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }),
  );
}

/** Format: scrypt$N$r$p$salt$hash (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = SCRYPT_PARAMS;
  const hash = await derive(password, salt, N, r, p);
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing, verified when an email is unknown so that a miss costs as much as a hit. */
export const DECOY_HASH = await hashPassword(randomBytes(16).toString('hex'));
