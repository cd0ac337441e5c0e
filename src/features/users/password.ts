// Password hashing with scrypt on libuv's thread pool: the event loop never waits for the KDF.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt cost: N=2^14, r=8, p=1 (16 MiB, ~80 ms per hash on one core here). Stored with each hash. */
export const SCRYPT_PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

/**
 * Hashes in flight at once in this process. Off the loop is not enough: libuv's pool has 4 threads, and on
 * a 2-core machine 4 concurrent hashes starve the event loop of CPU although none of them runs on it. One
 * core is always left to the loop; further logins wait (asynchronously) for a slot.
 */
const HASH_SLOTS = Math.max(1, availableParallelism() - 1);
let hashesRunning = 0;
const waitingForSlot: (() => void)[] = [];

async function inHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashesRunning < HASH_SLOTS) hashesRunning += 1;
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line, or give it back.
    const next = waitingForSlot.shift();
    if (next === undefined) hashesRunning -= 1;
    else next();
  }
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return inHashSlot(() => scryptAsync(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }));
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
