// `gather bench latency`: the lecture's claim, measured. With a real network delay between Gather and
// PostgreSQL, reading an article and then its comments waits two round trips; reading them together waits
// one. Prints both flows in milliseconds and CPU cycles, their Mermaid diagrams from real traces, this
// machine's latency ladder beside the lecture's figures, and PASS/FAIL lines (exit 1 on FAIL).
import { parseArgs } from 'node:util';
import { renderSequenceDiagram } from '../src/tracing/mermaid.ts';
import { type FlowResult, latencyLab } from './lib/latency-lab.ts';
import { type Clock, cpuClock, cyclesOf, measureLocalRungs, type Rung } from './lib/latency-ladder.ts';
import { median, percentile } from './lib/stats.ts';
import { markdownTable } from './lib/table.ts';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

const HELP = `Usage: gather bench latency [--rtt MS] [--runs N] [--quick]

Puts a delaying TCP proxy (+MS round-trip time) between Gather and PostgreSQL (DATABASE_URL, default
${DEFAULT_DATABASE_URL}; the lab creates and drops a database of its own there),
then reads one article and its comments N times serially (await, await) and N times concurrently
(GET ?include=comments, Promise.all). Prints median/p95 in ms and CPU cycles, the serial/concurrent ratio, both flows' Mermaid
diagrams and this machine's latency ladder.
PASS when the concurrent median ≤ 1.15 × RTT + 2 ms and serial/concurrent ≥ 1.8.
  --rtt MS   added round-trip time (default 20)
  --runs N   runs of each flow (default 50; --quick: 10)
  --quick    a short run for CI (about 20 s)`;

const CONCURRENT_RTT_FACTOR = 1.15;
const CONCURRENT_SLACK_MS = 2;
const TARGET_RATIO = 1.8;

/** 1234567 → "1.23M" cycles; small counts stay whole. */
function cycles(ms: number, clock: Clock): string {
  const count = cyclesOf(ms, clock);
  if (Number.isNaN(count)) return 'n/a';
  if (count >= 1e6) return `${(count / 1e6).toFixed(count >= 1e8 ? 0 : 1)}M`;
  if (count >= 1e4) return `${(count / 1e3).toFixed(0)}k`;
  return count.toFixed(0);
}

/** Milliseconds, or nanoseconds below a microsecond. */
const duration = (ms: number): string => (ms < 0.001 ? `${(ms * 1e6).toFixed(0)} ns` : `${ms.toFixed(3)} ms`);

function flowRow(flow: FlowResult, clock: Clock): string[] {
  const mid = median(flow.ms);
  const p95 = percentile(flow.ms, 95);
  return [flow.name, mid.toFixed(2), p95.toFixed(2), cycles(mid, clock), cycles(p95, clock)];
}

function ladderRow(rung: Rung, clock: Clock): string[] {
  const lecture = rung.lectureCycles === undefined ? '' : `${(rung.lectureCycles / 1e6).toFixed(0)}M`;
  const share =
    rung.lectureCycles === undefined || Number.isNaN(clock.mhz)
      ? ''
      : `${((cyclesOf(rung.ms, clock) / rung.lectureCycles) * 100).toPrecision(2)}%`;
  return [rung.name, duration(rung.ms), cycles(rung.ms, clock), lecture, share];
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      rtt: { type: 'string', default: '20' },
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}

export async function run(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
  } catch (error) {
    console.error(`gather bench latency: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rttMs = Number(values.rtt);
  const runs = Number(values.runs ?? (values.quick ? 10 : 50));
  if (!Number.isFinite(rttMs) || rttMs < 0 || !Number.isInteger(runs) || runs < 1) {
    console.error(`gather bench latency: --rtt must be a number ≥ 0 and --runs an integer ≥ 1\n\n${HELP}`);
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const server = new URL(databaseUrl);
  const clock = cpuClock();
  const ladderSamples = values.quick ? 20 : 200;

  console.log(
    `gather bench latency: PostgreSQL at ${server.hostname}:${server.port || 5432} through a delay proxy ` +
      `(+${rttMs} ms RTT), ${runs} runs of each flow`,
  );
  console.log(
    `CPU clock: ${Number.isNaN(clock.mhz) ? 'unknown' : `${clock.mhz.toFixed(0)} MHz`} (${clock.source}), ` +
      `so 1 ms ≈ ${cycles(1, clock)} cycles\n`,
  );

  const local = await measureLocalRungs(ladderSamples);
  const lab = await latencyLab({ databaseUrl, rttMs, runs, ladderSamples });
  const serialMs = median(lab.serial.ms);
  const concurrentMs = median(lab.concurrent.ms);
  const ratio = serialMs / concurrentMs;

  console.log(`Article + ${lab.comments} comments, milliseconds and CPU cycles:\n`);
  console.log(
    markdownTable(
      ['flow', 'median ms', 'p95 ms', 'median cycles', 'p95 cycles'],
      [flowRow(lab.serial, clock), flowRow(lab.concurrent, clock)],
    ),
  );
  console.log(`\nserial/concurrent (medians): ${ratio.toFixed(2)}\n`);

  console.log("Latency ladder, measured on this machine, beside the lecture's figures:\n");
  console.log(
    markdownTable(
      ['rung', 'median', 'cycles', 'lecture', 'of lecture'],
      [...local, ...lab.databaseRungs].map((rung) => ladderRow(rung, clock)),
    ),
  );
  console.log(
    '\nThe lecture: disk ≈ 41M cycles, network ≈ 240M cycles (a round trip across the world); L1/L2 cache and',
  );
  console.log(
    'memory are "very fast" and "fast". Loopback and the local database are a network without a wire.\n',
  );

  for (const flow of [lab.serial, lab.concurrent]) {
    console.log(`${flow.name} (the run nearest the median):\n`);
    console.log(`\`\`\`mermaid\n${renderSequenceDiagram(flow.trace)}\`\`\`\n`);
  }

  const budget = CONCURRENT_RTT_FACTOR * rttMs + CONCURRENT_SLACK_MS;
  const checks = [
    {
      pass: concurrentMs <= budget,
      text:
        `concurrent median ${concurrentMs.toFixed(2)} ms ≤ ${CONCURRENT_RTT_FACTOR} × ${rttMs} ms + ` +
        `${CONCURRENT_SLACK_MS} ms = ${budget.toFixed(2)} ms`,
    },
    { pass: ratio >= TARGET_RATIO, text: `serial/concurrent ${ratio.toFixed(2)} ≥ ${TARGET_RATIO}` },
  ];
  for (const check of checks) console.log(`${check.pass ? 'PASS' : 'FAIL'} ${check.text}`);
  return checks.every((check) => check.pass) ? 0 : 1;
}
