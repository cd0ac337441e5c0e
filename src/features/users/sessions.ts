// Sessions end when credentials change (ASVS V3.3; Django's update_session_auth_hash): a token carries the
// credentials version it was signed with, and an authenticated request is refused once the user's version has
// moved past it. Versions are read from the primary and kept for a second in each process: a change reaches
// every instance within that second, and a stream of requests costs one lookup per user per second, not one
// per request. The instance that makes the change knows it at once.
import type { SessionCheck } from '../../http/auth.ts';
import { unauthorized } from '../../http/errors.ts';

/** How long a looked-up version is trusted: the longest a changed password leaves an old token working. */
export const SESSION_CHECK_TTL_MS = 1_000;
/** Users whose versions one process keeps at most (~100 bytes each); past it the oldest is forgotten. */
const MAX_USERS = 10_000;

export type Sessions = Readonly<{
  check: SessionCheck;
  /** Called by the request that raised user `userId`'s version, so that this process refuses old tokens now. */
  changed(userId: number, credentialsVersion: number): void;
}>;

type Known = { version: number | undefined; until: number };

export function createSessions(lookup: (userId: number) => Promise<number | undefined>): Sessions {
  // Insertion order is expiry order (an entry is re-inserted when it is refreshed): the first ones end first.
  const known = new Map<number, Known>();
  const lookups = new Map<number, Promise<number | undefined>>();

  const remember = (userId: number, version: number | undefined) => {
    // Versions only rise: a lookup that started before a change must not put the older one back. A user
    // who is gone stays gone.
    const before = known.get(userId)?.version;
    const kept = version === undefined || before === undefined ? version : Math.max(before, version);
    known.delete(userId);
    if (known.size >= MAX_USERS) known.delete(known.keys().next().value as number);
    known.set(userId, { version: kept, until: performance.now() + SESSION_CHECK_TTL_MS });
    return kept;
  };

  const current = async (userId: number): Promise<number | undefined> => {
    const now = performance.now();
    const entry = known.get(userId);
    if (entry !== undefined && entry.until > now) return entry.version;
    // Concurrent requests of one user share one lookup.
    let pending = lookups.get(userId);
    if (pending === undefined) {
      pending = lookup(userId)
        .then((version) => remember(userId, version))
        .finally(() => lookups.delete(userId));
      lookups.set(userId, pending);
    }
    return pending;
  };

  return Object.freeze({
    check: async ({ userId, credentialsVersion }) => {
      const version = await current(userId);
      if (version === undefined) throw unauthorized('the user of this token no longer exists');
      if (credentialsVersion !== version) {
        throw unauthorized('token was signed before the password or email changed: sign in again');
      }
    },
    changed: (userId, credentialsVersion) => {
      remember(userId, credentialsVersion);
    },
  });
}
