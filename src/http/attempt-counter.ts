// Fixed-window counters for the login throttle: in this process's memory (bounded), or in Redis so that
// every instance counts against the same limit. A key's window starts with its first count and is never
// extended: a client that keeps trying is refused until the window ends, no longer.
import type { Redis } from 'ioredis';

/** A key's count in its current window, and the milliseconds until that window ends. */
export type Count = Readonly<{ count: number; msLeft: number }>;

export type AttemptCounter = Readonly<{
  /** Adds 1 (opening a window when the key has none) or takes 1 back (never below 0, never opening one). */
  add(key: string, by: 1 | -1): Promise<Count>;
  delete(key: string): Promise<void>;
}>;

/**
 * Keys one in-memory counter holds at most. An attack with random emails cannot grow memory past it
 * (~10,000 × a 254-character email ≈ 10 MB at worst); past it the oldest window is forgotten first.
 */
export const MEMORY_COUNTER_KEYS = 10_000;

export function memoryCounter(windowMs: number, maxKeys = MEMORY_COUNTER_KEYS): AttemptCounter {
  // A Map iterates in insertion order, and a key is (re)inserted when its window opens: every window has
  // the same length, so the first entries are the first to end.
  const windows = new Map<string, { count: number; endsAt: number }>();
  const forgetEnded = (now: number) => {
    for (const [key, window] of windows) {
      if (window.endsAt > now) return;
      windows.delete(key);
    }
  };
  return {
    async add(key, by) {
      const now = Date.now();
      forgetEnded(now);
      let window = windows.get(key);
      if (window === undefined) {
        if (by < 0) return { count: 0, msLeft: 0 };
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
        window = { count: 0, endsAt: now + windowMs };
        windows.set(key, window);
      }
      window.count = Math.max(0, window.count + by);
      return { count: window.count, msLeft: window.endsAt - now };
    },
    async delete(key) {
      windows.delete(key);
    },
  };
}

// One round trip, atomic across instances. Taking 1 back from a key whose window has ended does nothing (a
// DECR would create a key without expiry), and from a key at 0 leaves it at 0.
const ADD_SCRIPT = `
if ARGV[1] == '-1' and redis.call('exists', KEYS[1]) == 0 then return {0, 0} end
local count = redis.call('incrby', KEYS[1], ARGV[1])
if count < 0 then count = redis.call('incr', KEYS[1]) end
local msLeft = redis.call('pttl', KEYS[1])
if msLeft < 0 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  msLeft = tonumber(ARGV[2])
end
return {count, msLeft}
`;

/**
 * Counters under `prefix` in Redis; keys expire with their window, so Redis holds only open windows. When
 * Redis fails, a count reads 0: a Redis outage lets logins through rather than lock everyone out.
 */
export function redisCounter(
  redis: Redis,
  prefix: string,
  windowMs: number,
  onError: (error: unknown) => void,
): AttemptCounter {
  return {
    async add(key, by) {
      try {
        const [count, msLeft] = (await redis.eval(ADD_SCRIPT, 1, prefix + key, by, windowMs)) as number[];
        return { count: count ?? 0, msLeft: msLeft ?? 0 };
      } catch (error) {
        onError(error);
        return { count: 0, msLeft: 0 };
      }
    },
    async delete(key) {
      await redis.del(prefix + key).catch(onError);
    },
  };
}
