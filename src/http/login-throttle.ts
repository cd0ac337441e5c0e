// Login throttling that costs the guesser, not the owner (OWASP Authentication Cheat Sheet, "Login Throttling"
// and "Slow Down Online Guessing Attacks with Device Cookies"; ASVS V2.2.1). Only FAILED logins are counted,
// each against the limits of where it came from:
//
// - a device that signed in to the account before (its device cookie, device-tokens.ts): its own failures
//   only, at the tight limit. No failure from elsewhere ever throttles it, so the owner's browser gets in
//   while strangers guess; a device over its limit counts as an unknown one until its window ends;
// - an unknown device: per client address (whatever the accounts), per account and address at the tight
//   limit, and per account at a looser ceiling (ASVS: at most 100 failures an hour) that bounds how fast many
//   addresses together can guess, and locks out no device that signed in before.
//
// Over a limit, login answers 429 with Retry-After before the password is looked at: the answer is the same
// whether the guess was right or wrong, and costs no hash.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthLimits } from '../config.ts';
import type { Limit } from '../settings.ts';
import type { AttemptCounter } from './attempt-counter.ts';
import type { DeviceTokens } from './device-tokens.ts';
import { GatherError } from './errors.ts';

export type LoginThrottle = Readonly<{
  /**
   * Runs `verify` for a login to `email` from `request.ip` and the request's device cookie, unless a limit
   * that applies is reached (then throws 429). `verify` answers the user, or undefined when the password is
   * wrong. A success gives the device its cookie for this account.
   */
  attempt<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    email: string,
    verify: () => Promise<T | undefined>,
  ): Promise<T | undefined>;
}>;

/** Failed logins by client address, by account and address, by account (unknown devices), by device. */
export type LoginCounters = Readonly<{
  address: AttemptCounter;
  accountAndAddress: AttemptCounter;
  account: AttemptCounter;
  device: AttemptCounter;
}>;

function inWords(seconds: number): string {
  return seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

/** A limit reached: how long until its window ends, and what it limits. */
class Refused extends Error {
  readonly msLeft: number;
  readonly what: string;
  constructor(msLeft: number, what: string) {
    super(what);
    this.msLeft = msLeft;
    this.what = what;
  }
}

function refusal(reply: FastifyReply, { msLeft, what }: Refused): GatherError {
  const seconds = Math.max(1, Math.ceil(msLeft / 1000));
  reply.header('retry-after', String(seconds));
  return new GatherError('GATHER_ERR_RATE_LIMITED', [
    `too many failed logins ${what}, try again in ${inWords(seconds)}`,
  ]);
}

/** One limit a login is counted against: a counter, the key there, and what a refusal says. */
type Count = Readonly<{ counter: AttemptCounter; key: string; limit: Limit; what: string }>;

/**
 * Counts a failure in advance against each of `counts` in turn, so that a burst of concurrent guesses cannot
 * all pass the check before the first is counted. At the first one over its limit, gives every count back and
 * throws Refused; returns how to give them all back otherwise.
 */
async function reserve(counts: readonly Count[]): Promise<() => Promise<void>> {
  const taken: Count[] = [];
  const giveBack = async () => {
    await Promise.all(taken.map(({ counter, key }) => counter.add(key, -1)));
  };
  for (const count of counts) {
    const { count: now, msLeft } = await count.counter.add(count.key, 1);
    taken.push(count);
    if (now > count.limit.max) {
      await giveBack();
      throw new Refused(msLeft, count.what);
    }
  }
  return giveBack;
}

/** The limits a login is counted against, each with its counter, key and what its refusal says. */
function countsOf(counters: LoginCounters, limits: AuthLimits) {
  return {
    device: (id: string): Count => ({
      counter: counters.device,
      key: id,
      limit: limits.loginFailuresPerAccountAndAddress,
      what: 'from this device',
    }),
    accountAndAddress: (account: string, address: string): Count => ({
      counter: counters.accountAndAddress,
      key: `${account} ${address}`,
      limit: limits.loginFailuresPerAccountAndAddress,
      what: 'for this account from this address',
    }),
    // The address first: a client over its limit must not fill the account counters with random emails.
    unknownDevice: (typos: Count, address: string, account: string): Count[] => [
      {
        counter: counters.address,
        key: address,
        limit: limits.loginFailuresPerAddress,
        what: 'from this address',
      },
      typos,
      {
        counter: counters.account,
        key: account,
        limit: limits.loginFailuresPerAccount,
        what: 'for this account from devices it was not signed in on',
      },
    ],
  };
}

export function createLoginThrottle(
  counters: LoginCounters,
  limits: AuthLimits,
  devices: DeviceTokens,
): LoginThrottle {
  const { device, accountAndAddress, unknownDevice } = countsOf(counters, limits);

  /**
   * Reserves the device's own count when its cookie is for this account and under its limit, else an unknown
   * device's. `typos` is the count a success clears.
   */
  const reserveFor = async (request: FastifyRequest, account: string, deviceId: string | undefined) => {
    if (deviceId !== undefined) {
      const own = device(deviceId);
      try {
        return { typos: own, giveBack: await reserve([own]) };
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
      }
    }
    const typos = accountAndAddress(account, request.ip);
    return { typos, giveBack: await reserve(unknownDevice(typos, request.ip, account)) };
  };

  return {
    async attempt<T>(
      request: FastifyRequest,
      reply: FastifyReply,
      email: string,
      verify: () => Promise<T | undefined>,
    ): Promise<T | undefined> {
      const account = email.toLowerCase();
      const deviceId = devices.read(request, account);
      let reserved: Awaited<ReturnType<typeof reserveFor>>;
      try {
        reserved = await reserveFor(request, account, deviceId);
      } catch (error) {
        throw error instanceof Refused ? refusal(reply, error) : error;
      }
      let user: T | undefined;
      try {
        user = await verify();
      } catch (error) {
        // The database or the hasher failed, not the password: an outage counts against no one.
        await reserved.giveBack();
        throw error;
      }
      if (user === undefined) return undefined;
      // A success proves the password, so the failures before it from this device, or from this address for
      // this account, were the owner's typos: they are cleared (NIST SP 800-63B counts consecutive failures).
      // The address's and the account's counts are only given back: clearing them would let an attacker who
      // owns one account wipe its address's failures with a login between guesses, and the account's ceiling
      // bounds guesses an hour whoever signs in meanwhile.
      await reserved.giveBack();
      await reserved.typos.counter.delete(reserved.typos.key);
      devices.give(request, reply, account, deviceId);
      return user;
    },
  };
}
