// Login throttling (OWASP Authentication Cheat Sheet, "Login Throttling"): FAILED logins are counted per
// account and per client address, each against its own limit; a successful login is not counted, so
// everyone behind one address may log in. Over either limit, login answers 429 with Retry-After before the
// password is looked at: the answer is the same whether the guess was right or wrong, and costs no hash.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthLimits, Limit } from '../config.ts';
import type { AttemptCounter } from './attempt-counter.ts';
import { GatherError } from './errors.ts';

export type LoginThrottle = Readonly<{
  /**
   * Runs `verify` for a login to `email` from `request.ip`, unless that account or that address is over
   * its limit (then throws 429). `verify` answers the user, or undefined when the password is wrong.
   */
  attempt<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    email: string,
    verify: () => Promise<T | undefined>,
  ): Promise<T | undefined>;
}>;

/** Failed logins by account (the email, lower-cased) and by client address. */
export type LoginCounters = Readonly<{ account: AttemptCounter; address: AttemptCounter }>;

function inWords(seconds: number): string {
  return seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

function refuse(reply: FastifyReply, msLeft: number, what: string): GatherError {
  const seconds = Math.max(1, Math.ceil(msLeft / 1000));
  reply.header('retry-after', String(seconds));
  return new GatherError('GATHER_ERR_RATE_LIMITED', [
    `too many failed logins ${what}, try again in ${inWords(seconds)}`,
  ]);
}

/**
 * Counts an attempt as a failure in advance, so that a burst of concurrent guesses cannot all pass the
 * check before the first is counted. Over the limit, gives the count back and answers the wait.
 */
async function reserve(counter: AttemptCounter, limit: Limit, key: string): Promise<number | undefined> {
  const { count, msLeft } = await counter.add(key, 1);
  if (count <= limit.max) return undefined;
  await counter.add(key, -1);
  return msLeft;
}

export function createLoginThrottle(counters: LoginCounters, limits: AuthLimits): LoginThrottle {
  return {
    async attempt<T>(
      request: FastifyRequest,
      reply: FastifyReply,
      email: string,
      verify: () => Promise<T | undefined>,
    ): Promise<T | undefined> {
      const address = request.ip;
      const account = email.toLowerCase();
      // The address first: a client over its limit must not fill the account counters with random emails.
      const addressWait = await reserve(counters.address, limits.loginFailuresPerAddress, address);
      if (addressWait !== undefined) throw refuse(reply, addressWait, 'from this address');
      const accountWait = await reserve(counters.account, limits.loginFailuresPerAccount, account);
      if (accountWait !== undefined) {
        await counters.address.add(address, -1);
        throw refuse(reply, accountWait, 'for this account');
      }
      let user: T | undefined;
      try {
        user = await verify();
      } catch (error) {
        // The database or the hasher failed, not the password: an outage counts against no one.
        await Promise.all([counters.address.add(address, -1), counters.account.add(account, -1)]);
        throw error;
      }
      if (user === undefined) return undefined;
      // A success proves the password, so the failures before it were the owner's typos: they are cleared
      // (NIST SP 800-63B counts consecutive failures), or a few more typos would lock the owner out. The
      // address's count is only given back: clearing it would let an attacker who owns one account wipe
      // its address's failures with a login between guesses.
      await Promise.all([counters.address.add(address, -1), counters.account.delete(account)]);
      return user;
    },
  };
}
