// Password hashing with scrypt in low-priority hashing threads (hash-pool.ts): the event loop never waits
// for the KDF, and never waits for a core behind one either. Each hash is one call to the 'Hash pool' peer
// through the instrumentation hook, so a register or login diagram shows where its time goes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Instrument, uninstrumented } from '../../instrument.ts';
import { OverCapacity } from '../../request-budget.ts';
import { hashFitsIn, scryptInPool } from './hash-pool.ts';

/** scrypt cost: N=2^14, r=8, p=1 (16 MiB, ~80 ms per hash on one core here). Stored with each hash. */
export const SCRYPT_PARAMS = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

export type Passwords = Readonly<{
  /** Format: scrypt$N$r$p$salt$hash (base64). */
  hash(password: string): Promise<string>;
  /**
   * Whether `password` matches `stored`. With no stored hash (an unknown email) the password is hashed all the
   * same, so that a miss costs as long as a hit; the answer is then false.
   */
  verify(password: string, stored: string | undefined): Promise<boolean>;
  /**
   * Throws OverCapacity (503) when a hash could not be done within the request's deadline: a login checks
   * this before it reads the user, so that a refusal costs no query.
   */
  ensureCapacity(): void;
}>;

export type PasswordOptions = Readonly<{
  /** The hook each hash is reported to (tracing's recorder, when tracing is on). */
  instrument?: Instrument;
  /** Milliseconds the caller can still wait for a hash (its request's deadline); no limit by default. */
  msLeft?: () => number;
}>;

export function createPasswords({
  instrument = uninstrumented,
  msLeft = () => Number.POSITIVE_INFINITY,
}: PasswordOptions = {}): Passwords {
  const derive = (password: string, salt: Buffer, N: number, r: number, p: number) =>
    instrument('io', `scrypt N=${N} r=${r} p=${p}`, 'Hash pool', () =>
      scryptInPool(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, msLeft()),
    );

  const hash = async (password: string) => {
    const salt = randomBytes(16);
    const { N, r, p } = SCRYPT_PARAMS;
    const derived = await derive(password, salt, N, r, p);
    return ['scrypt', N, r, p, salt.toString('base64'), derived.toString('base64')].join('$');
  };

  const matches = async (password: string, stored: string) => {
    const [scheme, n, r, p, salt, expected] = stored.split('$');
    if (scheme !== 'scrypt' || salt === undefined || expected === undefined) return false;
    const wanted = Buffer.from(expected, 'base64');
    const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
    return actual.length === wanted.length && timingSafeEqual(actual, wanted);
  };

  return Object.freeze({
    hash,
    ensureCapacity: () => {
      if (!hashFitsIn(msLeft())) throw new OverCapacity('every hashing thread is taken');
    },
    verify: async (password: string, stored: string | undefined) => {
      if (stored !== undefined) return matches(password, stored);
      // No such user: one hash all the same, as a hit costs (no user enumeration by timing). Not a decoy hashed
      // at start: that would start a hashing thread (~10 MB resident) in a server no one has logged in to.
      await hash(password);
      return false;
    },
  });
}
