// Read-your-writes over read replicas (docs/scaling.md). A request that writes learns the primary's WAL
// position after its write (db/replicas.ts); the position is bound to its client two ways:
// - per user: every RealWorld write is signed in (registration signs the new user in), so the position is
//   kept under the user's id — in Redis when REDIS_URL is set, shared by every instance, otherwise in this
//   process's memory — and every later request with that user's token needs it. RealWorld front-ends get
//   read-your-writes without a change.
// - in the response header Gather-Wal-Position, which any client may send back (signed in or not).
// A request's reads then use a replica only once it has replayed the larger of the two (db/replicas.ts).
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { formatWalPosition, parseWalPosition, type WalPosition } from '../db/replicas.ts';
import { walMark } from '../request-budget.ts';
import { invalid } from './errors.ts';

export const WAL_POSITION_HEADER = 'gather-wal-position';

/** The last WAL position each user's writes reached. */
export type WalPositions = Readonly<{
  /** undefined: none kept (none within the keeping time). */
  get(userId: number): Promise<WalPosition | undefined>;
  /** Keeps `position` for the user unless a later one is kept already. */
  raise(userId: number, position: WalPosition): Promise<void>;
}>;

/**
 * How long a user's position is kept. Past it the user's reads go by the lag limit alone, which is safe as
 * long as it is far longer than REPLICA_MAX_LAG_MS: a replica within the limit has replayed what committed
 * that long ago.
 */
export function keepingMs(maxLagMs: number): number {
  return Math.max(60_000, 10 * maxLagMs);
}

/** Users one in-memory store holds at most; past it the user who wrote longest ago is forgotten first. */
export const MEMORY_POSITION_USERS = 100_000;

export function memoryPositions(keepMs: number, maxUsers = MEMORY_POSITION_USERS): WalPositions {
  // Re-inserted on every write: a Map iterates in insertion order, so the first entries expire first.
  const kept = new Map<number, { position: WalPosition; until: number }>();
  return {
    async get(userId) {
      const entry = kept.get(userId);
      return entry === undefined || entry.until <= Date.now() ? undefined : entry.position;
    },
    async raise(userId, position) {
      const entry = kept.get(userId);
      kept.delete(userId);
      if (kept.size >= maxUsers) kept.delete(kept.keys().next().value as number);
      const later = entry !== undefined && entry.position > position ? entry.position : position;
      kept.set(userId, { position: later, until: Date.now() + keepMs });
    },
  };
}

/** Sixteen hexadecimal digits: Lua compares the strings, which order as the positions do. */
const asKey = (position: WalPosition) => position.toString(16).padStart(16, '0');

// One round trip, atomic across instances: a later position replaces an earlier one, never the reverse.
const RAISE_SCRIPT = `
local current = redis.call('get', KEYS[1])
if current == false or ARGV[1] > current then
  redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
else
  redis.call('pexpire', KEYS[1], ARGV[2])
end
return 1
`;

/** Under `gather-wal-position-<user id>`, expiring after `keepMs`. */
export function redisPositions(
  redis: Redis,
  keepMs: number,
  onError: (error: unknown) => void,
): WalPositions {
  const key = (userId: number) => `${WAL_POSITION_HEADER}-${userId}`;
  return {
    async get(userId) {
      try {
        const kept = await redis.get(key(userId));
        return kept === null ? undefined : BigInt(`0x${kept}`);
      } catch (error) {
        onError(error);
        // Unknown: only the primary is sure to have the user's writes.
        return 0xffffffffffffffffn;
      }
    },
    async raise(userId, position) {
      await redis.eval(RAISE_SCRIPT, 1, key(userId), asKey(position), keepMs).catch(onError);
    },
  };
}

/** Reads the position a request needs (header, user) before its handler; hands on what its writes reached. */
export function registerReadYourWrites(app: FastifyInstance, positions: WalPositions): void {
  app.addHook('preHandler', async (request) => {
    const mark = walMark();
    if (mark === undefined) return;
    const echoed = request.headers[WAL_POSITION_HEADER];
    if (typeof echoed === 'string' && echoed !== '') {
      const position = parseWalPosition(echoed);
      if (position === undefined) {
        throw invalid(
          `${WAL_POSITION_HEADER} must be a WAL position such as 0/16B3748, as a response gave it`,
        );
      }
      if (position > mark.needed) mark.needed = position;
    }
    if (request.viewerId !== null) {
      const kept = await positions.get(request.viewerId);
      if (kept !== undefined && kept > mark.needed) mark.needed = kept;
    }
  });
  app.addHook('onSend', async (request, reply) => {
    const written = walMark()?.written ?? 0n;
    if (written === 0n) return;
    reply.header(WAL_POSITION_HEADER, formatWalPosition(written));
    // Kept before the response leaves: the user's next request, on any instance, needs it.
    if (request.viewerId !== null) await positions.raise(request.viewerId, written);
  });
}
