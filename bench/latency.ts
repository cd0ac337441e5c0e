// `gather bench latency`: the lecture's claim, measured. With a real network delay between Gather and
// PostgreSQL, reading an article and then its comments waits two round trips; reading them together waits
// one. Prints both flows in milliseconds and CPU cycles, their Mermaid diagrams from real traces, this
// machine's latency ladder beside the lecture's figures, and PASS/FAIL lines (exit 1 on FAIL).
import { renderSequenceDiagram } from '../src/tracing/mermaid.ts';
import { median, percentile } from '../tools/harness/stats.ts';
import { type FlowResult, latencyLab } from './lib/latency-lab.ts';
import { type Clock, cpuClock, cyclesOf, measureLocalRungs, type Rung } from './lib/latency-ladder.ts';
import { postgresServerUrl } from './lib/postgres-server.ts';
import { markdownTable } from './lib/table.ts';

export type LatencyOptions = Readonly<{
  /** Added round-trip time, in ms. */
  rttMs: number;
  /** Runs of each flow. */
  runs: number;
  /** Samples per rung of the latency ladder. */
  ladderSamples: number;
}>;

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

export async function run({ rttMs, runs, ladderSamples }: LatencyOptions): Promise<number> {
  const databaseUrl = postgresServerUrl();
  const server = new URL(databaseUrl);
  const clock = cpuClock();

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
