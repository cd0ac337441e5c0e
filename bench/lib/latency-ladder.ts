// The latency ladder, measured on this machine: how long the CPU waits for memory, a disk write that must
// reach the disk (fsync), a loopback TCP round trip and a database round trip, in milliseconds and in CPU
// cycles of this machine's clock. The lecture's point: the I/O rungs are millions of cycles apart from memory.
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { median } from '../../tools/harness/stats.ts';

export type Clock = Readonly<{ mhz: number; source: string }>;

/** This machine's CPU clock: /proc/cpuinfo (Linux), else what Node reports; NaN when neither knows. */
export function cpuClock(): Clock {
  try {
    const values = [...readFileSync('/proc/cpuinfo', 'utf8').matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map(
      (match) => Number(match[1]),
    );
    if (values.length > 0) return { mhz: Math.max(...values), source: '/proc/cpuinfo' };
  } catch {
    // not Linux: fall through to Node's figure
  }
  const speed = cpus()[0]?.speed ?? 0;
  return speed > 0 ? { mhz: speed, source: 'os.cpus()' } : { mhz: Number.NaN, source: 'unknown' };
}

export const cyclesOf = (ms: number, clock: Clock): number => ms * clock.mhz * 1_000;

export type Rung = Readonly<{
  name: string;
  /** Median of the samples, in milliseconds. */
  ms: number;
  samples: number;
  /** The lecture's figure for this kind of access, in cycles, when it gives one. */
  lectureCycles?: number;
}>;

/**
 * One dependent load from main memory: a random cyclic permutation of a 64 MiB array is followed pointer
 * by pointer, so each load needs the previous one's answer and caches cannot guess the next address.
 */
function memoryAccess(steps: number): Rung {
  const size = 16 * 1024 * 1024; // Int32 entries: 64 MiB, far beyond any L3 cache
  const next = new Int32Array(size);
  for (let i = 0; i < size; i += 1) next[i] = i;
  // Sattolo's shuffle: a single cycle through every entry.
  for (let i = size - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * i);
    const swap = next[i]!;
    next[i] = next[j]!;
    next[j] = swap;
  }
  const rounds: number[] = [];
  let at = 0;
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    for (let i = 0; i < steps; i += 1) at = next[at]!;
    rounds.push((performance.now() - started) / steps);
  }
  if (at < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return {
    name: 'memory access (dependent load, 64 MiB)',
    ms: median(rounds),
    samples: rounds.length * steps,
  };
}

/** A 4 KiB write that must reach the disk before it counts: write + fsync, in the system's temp folder. */
async function diskWriteFsync(samples: number): Promise<Rung> {
  const dir = await mkdtemp(join(tmpdir(), 'gather-ladder-'));
  const file = await open(join(dir, 'probe'), 'w+');
  const block = Buffer.alloc(4096, 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i += 1) {
      const started = performance.now();
      await file.write(block, 0, block.length, (i % 64) * block.length);
      await file.sync();
      times.push(performance.now() - started);
    }
  } finally {
    await file.close();
    await rm(dir, { recursive: true, force: true });
  }
  return { name: `disk: 4 KiB write + fsync (${tmpdir()})`, ms: median(times), samples, lectureCycles: 41e6 };
}

/** One byte to a loopback TCP echo and back (Nagle off): the kernel's network path without a wire. */
async function loopbackRoundTrip(samples: number): Promise<Rung> {
  const echo = createServer({ noDelay: true }, (socket) => socket.on('data', (data) => socket.write(data)));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const address = echo.address();
  if (address === null || typeof address === 'string') throw new Error('loopback echo: no TCP address');
  const socket: Socket = tcpConnect({ host: '127.0.0.1', port: address.port, noDelay: true });
  const times: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    for (let i = 0; i < samples; i += 1) {
      const started = performance.now();
      const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write('x');
      await answered;
      times.push(performance.now() - started);
    }
  } finally {
    socket.destroy();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  }
  return { name: 'loopback TCP round trip', ms: median(times), samples, lectureCycles: 240e6 };
}

/** `select 1` on one open connection: the cheapest database round trip (protocol, parse, plan, answer). */
export async function databaseRoundTrip(name: string, url: string, samples: number): Promise<Rung> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i += 1) {
      const started = performance.now();
      await client.query('select 1');
      times.push(performance.now() - started);
    }
  } finally {
    await client.end();
  }
  return { name, ms: median(times), samples, lectureCycles: 240e6 };
}

/** The machine-local rungs; the database rungs are added by the caller, who knows the URLs. */
export async function measureLocalRungs(samples: number): Promise<Rung[]> {
  return [memoryAccess(2_000_000), await diskWriteFsync(samples), await loopbackRoundTrip(samples)];
}
