// One run of the errands lab → a Mermaid sequenceDiagram (pure: results in, text out). Each errand is drawn
// as its runner's calls to the place that answers them; errands whose time intervals overlap were under way
// together and are drawn as the lanes of a `par` block. In the parallel mode the main thread hands each
// errand to a worker thread and gets the result back.
import { clusters, escapeMessage, participant } from '../../src/tracing/mermaid.ts';
import type { ErrandResult } from './errands.ts';

export type Mode = 'serial' | 'concurrent' | 'parallel';

export type ModeRun = Readonly<{
  mode: Mode;
  /** How it ran, for the table and the diagram (e.g. "Promise.all on one event loop"). */
  how: string;
  /** ms from t0 until the last errand's result was in hand. */
  total: number;
  results: readonly ErrandResult[];
}>;

const MAIN = 'Main thread';

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const id = (name: string): string => participant(name).id;
const declare = (name: string): string => `  ${participant(name).line}`;

function drawErrand(result: ErrandResult, handedOff: boolean, indent: string): string[] {
  const runner = id(result.runner);
  const lines: string[] = [];
  if (handedOff)
    lines.push(`${indent}${id(MAIN)}->>${runner}: ${escapeMessage(`run the ${result.errand.name} errand`)}`);
  if (result.errand.kind === 'cpu') {
    const step = result.steps[0]!;
    lines.push(
      `${indent}${runner}->>${runner}: ${escapeMessage(`${step.step}: CPU loop, nothing else runs on this thread`)}`,
      `${indent}Note over ${runner}: ${escapeMessage(`busy ${ms(step.end - result.start)}`)}`,
    );
  } else {
    const place = id(result.errand.place);
    for (const step of result.steps) {
      lines.push(
        `${indent}${runner}->>${place}: ${escapeMessage(step.step)}`,
        `${indent}${place}-->>${runner}: ${escapeMessage(`done, +${ms(step.end)}`)}`,
      );
    }
  }
  const done = `${result.errand.name} errand done at +${ms(result.end)}`;
  lines.push(
    handedOff
      ? `${indent}${runner}-->>${id(MAIN)}: ${escapeMessage(done)}`
      : `${indent}Note over ${runner}: ${escapeMessage(done)}`,
  );
  return lines;
}

export function renderErrandsDiagram(run: ModeRun): string {
  const handedOff = run.mode === 'parallel';
  const runners = [...new Set(run.results.map((result) => result.runner))];
  const places = [
    ...new Set(run.results.filter((r) => r.errand.kind === 'io').map((result) => result.errand.place)),
  ];
  const lines = [
    'sequenceDiagram',
    '  autonumber',
    ...(handedOff ? [declare(MAIN)] : []),
    ...runners.map(declare),
    ...places.map(declare),
  ];
  for (const group of clusters(run.results)) {
    if (group.length === 1) {
      lines.push(...drawErrand(group[0]!, handedOff, '  '));
      continue;
    }
    // Lanes in the errands' own order (the order they were set off in), not by the microseconds between starts.
    const inOrder = [...group].sort((a, b) => run.results.indexOf(a) - run.results.indexOf(b));
    inOrder.forEach((result, index) => {
      lines.push(
        index === 0 ? `  par ${escapeMessage(`${group.length} errands under way together`)}` : '  and',
      );
      lines.push(...drawErrand(result, handedOff, '    '));
    });
    lines.push('  end');
  }
  const first = id(handedOff ? MAIN : runners[0]!);
  lines.push(`  Note over ${first}: ${escapeMessage(`${run.mode}: all done in ${ms(run.total)}`)}`);
  return `${lines.join('\n')}\n`;
}
