// Read replicas (DATABASE_REPLICA_URLS): which one, if any, may serve a read. A read that must see a WAL
// position (its client's own last write, docs/scaling.md) goes to a replica only once that replica has
// replayed the position; any other read, to a replica whose lag is within REPLICA_MAX_LAG_MS. Otherwise, and
// whenever no replica qualifies (down, lagging, not yet checked), the primary serves it.
//
// Each replica's replayed position and lag are read from the replica itself and cached: a few milliseconds for
// a read that needs a position, and for a lag that cannot have crossed the limit since (a lag grows at most
// as fast as time passes). A replica that fails is skipped and re-checked in the background every
// RECHECK_MS; reads never wait for a replica that does not answer. `routed` is the pipeline's stage that
// sends each statement where the router says, and keeps a write's WAL position for read-your-writes.
import { msLeft, walMark } from '../request-budget.ts';
import type { QueryResult, Run, Statement } from './pipeline.ts';

/** A WAL position (PostgreSQL's pg_lsn), in bytes. */
export type WalPosition = bigint;

const WAL_TEXT = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** 'X/Y' (pg_lsn's text form: two hexadecimal halves) → bytes; undefined when it is not one. */
export function parseWalPosition(text: string): WalPosition | undefined {
  const match = WAL_TEXT.exec(text);
  if (match === null) return undefined;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatWalPosition(position: WalPosition): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

export type ReplicaHealth = 'unchecked' | 'up' | 'lagging' | 'down';

/** What one replica answers about itself. */
export type ReplicaStatus = Readonly<{ replayed: WalPosition; lagMs: number }>;

export type ReplicaProbe = Readonly<{
  /** 'Database (replica 1)': the peer its queries are traced under, and its name in logs and /metrics. */
  name: string;
  /** Reads the replica's status (REPLICA_STATUS_SQL); rejects when it cannot be reached. */
  status(): Promise<ReplicaStatus>;
}>;

/**
 * The replica's replayed position and lag. A replica that has replayed all it received counts as current
 * (an idle primary sends nothing, and pg_last_xact_replay_timestamp() would age); a server that is not in
 * recovery (a primary listed as its own replica) is current at its own position.
 */
export const REPLICA_STATUS_SQL = `select
  case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end::text as replayed,
  case when not pg_is_in_recovery() or pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
    else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000, 'Infinity') end::float8 as lag_ms`;

/** A status this recent is taken as the replica's position now. */
const POSITION_FRESH_MS = 5;
/** How long a read waits for a status check before it goes to the primary instead. */
const STATUS_WAIT_MS = 100;
/** How often a replica that is down or lagging is checked again (in the background). */
const RECHECK_MS = 1_000;

export type ReplicaEvents = Readonly<{
  /** A replica changed health: logged once per change. */
  onHealth(name: string, health: ReplicaHealth, reason: string): void;
}>;

export type ReplicaView = Readonly<{
  name: string;
  health: ReplicaHealth;
  lagMs: number;
  /** Times it was skipped as down or lagging (health changes into either). */
  skips: number;
}>;

export type ReplicaRouter = Readonly<{
  /** The index of a replica that may serve a read needing `position` (0n: none), or undefined: the primary. */
  pick(position: WalPosition): Promise<number | undefined>;
  /** A read on replica `index` failed to reach it: it is down until re-checked. */
  failed(index: number, error: Error): void;
  view(): ReplicaView[];
}>;

type Replica = {
  probe: ReplicaProbe;
  health: ReplicaHealth;
  replayed: WalPosition;
  lagMs: number;
  /** performance.now() of the last status. */
  checkedAt: number;
  checking: Promise<void> | undefined;
  skips: number;
};

function changeHealth(replica: Replica, health: ReplicaHealth, reason: string, events: ReplicaEvents): void {
  if (replica.health === health) return;
  if (health === 'down' || health === 'lagging') replica.skips += 1;
  replica.health = health;
  events.onHealth(replica.probe.name, health, reason);
}

/** One status check at a time per replica; every caller in the meantime shares it. */
function checkStatus(replica: Replica, maxLagMs: number, events: ReplicaEvents): Promise<void> {
  replica.checking ??= replica.probe
    .status()
    .then(
      (status) => {
        replica.replayed = status.replayed;
        replica.lagMs = status.lagMs;
        replica.checkedAt = performance.now();
        if (status.lagMs <= maxLagMs) changeHealth(replica, 'up', 'replaying within the lag limit', events);
        else {
          const reason = `${Math.round(status.lagMs)} ms behind (limit ${maxLagMs} ms)`;
          changeHealth(replica, 'lagging', reason, events);
        }
      },
      (error: Error) => {
        replica.checkedAt = performance.now();
        changeHealth(replica, 'down', error.message, events);
      },
    )
    .finally(() => {
      replica.checking = undefined;
    });
  return replica.checking;
}

/** Waits for `promise`, but no longer than `ms`. */
async function atMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

export function createReplicaRouter(
  probes: readonly ReplicaProbe[],
  maxLagMs: number,
  events: ReplicaEvents,
): ReplicaRouter {
  const replicas: Replica[] = probes.map((probe) => ({
    probe,
    health: 'unchecked',
    replayed: 0n,
    lagMs: 0,
    checkedAt: Number.NEGATIVE_INFINITY,
    checking: undefined,
    skips: 0,
  }));
  let next = 0;

  const become = (replica: Replica, health: ReplicaHealth, reason: string) =>
    changeHealth(replica, health, reason, events);
  const check = (replica: Replica) => checkStatus(replica, maxLagMs, events);

  /** Whether `replica` may serve a read needing `position`, checking it first when its status is too old. */
  const qualifies = async (replica: Replica, position: WalPosition): Promise<boolean> => {
    const age = performance.now() - replica.checkedAt;
    if (replica.health === 'down' || replica.health === 'lagging') {
      // Skipped until a background check finds it back.
      if (age >= RECHECK_MS) void check(replica);
      return false;
    }
    const current = () =>
      replica.health === 'up' &&
      replica.lagMs + (performance.now() - replica.checkedAt) <= maxLagMs &&
      replica.replayed >= position;
    if (current()) return true;
    if (replica.health === 'up' && replica.replayed < position && age < POSITION_FRESH_MS) return false;
    // Not current as last seen: ask again, but never wait longer than a read should (then: the primary).
    await atMost(check(replica), Math.min(STATUS_WAIT_MS, Math.max(0, msLeft())));
    return current();
  };

  return {
    async pick(position) {
      // Round robin over the replicas that qualify.
      for (let tried = 0; tried < replicas.length; tried += 1) {
        const index = (next + tried) % replicas.length;
        if (await qualifies(replicas[index]!, position)) {
          next = (index + 1) % replicas.length;
          return index;
        }
      }
      return undefined;
    },
    failed(index, error) {
      const replica = replicas[index]!;
      replica.checkedAt = performance.now();
      become(replica, 'down', error.message);
    },
    view: () =>
      replicas.map((replica) => ({
        name: replica.probe.name,
        health: replica.health,
        lagMs: replica.lagMs,
        skips: replica.skips,
      })),
  };
}

/** An error that says the server could not be reached (a replica's read then goes to the primary, a current
 * read on a primary that is down to a replica). */
function unreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || /^(08|57P0)/.test(code);
}

/** SQLSTATE 40001 on a standby: the read was cancelled because replay had to remove what it was reading. */
const CONFLICT_WITH_RECOVERY = '40001';

/**
 * Reads (statements declared 'read') go to a replica that qualifies, everything else to the primary. A write
 * in a request reads the primary's WAL insert position after it: the commit record is behind it, so a
 * replica that has replayed it has the write (read-your-writes, db/replicas.ts).
 */
export function routed(router: ReplicaRouter, onPrimary: Run, onReplica: readonly Run[]): Run {
  return async (statement, values) => {
    const { kind } = statement;
    const mark = walMark();
    if (kind === 'read') {
      const index = await router.pick(mark?.needed ?? 0n);
      if (index !== undefined) {
        try {
          return await onReplica[index]!(statement, values);
        } catch (error) {
          const conflict = (error as { code?: unknown }).code === CONFLICT_WITH_RECOVERY;
          if (!conflict && !unreachable(error)) throw error;
          if (!conflict) router.failed(index, error as Error);
        }
      }
    }
    let result: QueryResult;
    try {
      result = await onPrimary(statement, values);
    } catch (error) {
      // A read that must be current, with the primary down: nothing newer can be committed meanwhile, so a
      // replica that qualifies serves it (a signed-in read stays available for as long as plain reads do).
      const index =
        kind === 'current' && unreachable(error) ? await router.pick(mark?.needed ?? 0n) : undefined;
      if (index === undefined) throw error;
      return await onReplica[index]!(statement, values);
    }
    if (kind === 'write' && mark !== undefined) {
      const [row] = (await onPrimary(WAL_INSERT_POSITION)).rows as { position: string }[];
      const position = parseWalPosition(row!.position) ?? 0n;
      if (position > mark.written) mark.written = position;
      if (position > mark.needed) mark.needed = position;
    }
    return result;
  };
}

const WAL_INSERT_POSITION: Statement = {
  text: 'select pg_current_wal_insert_lsn()::text as position',
  kind: 'other',
};
