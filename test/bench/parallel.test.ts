// The errands lab (`gather bench parallel`): its diagrams read back by Mermaid's own parser, its shape checks
// on made-up runs that do and do not have the predicted shape, and (on PostgreSQL) a real short run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERRANDS, type ErrandResult } from '../../bench/lib/errands.ts';
import { type Mode, type ModeRun, renderErrandsDiagram } from '../../bench/lib/errands-diagram.ts';
import { checkShape, runErrandsLab } from '../../bench/lib/errands-lab.ts';
import { parseSequence } from '../helpers/parse-diagram.ts';

const RTT = 50;
const STUCK = 400;

/**
 * A run with made-up times: each I/O step takes RTT, the stuck errand STUCK. `timeline` gives each errand's
 * start and the time its step replies are handled from.
 */
function madeUp(
  mode: Mode,
  timeline: (name: string, index: number) => { start: number; runner: string },
): ModeRun {
  const results: ErrandResult[] = ERRANDS.map((errand, index) => {
    const { start, runner } = timeline(errand.name, index);
    const length = errand.kind === 'cpu' ? STUCK : RTT;
    const steps = errand.steps.map((step, i) => ({ step, end: start + (i + 1) * length }));
    return { errand, runner, start, end: steps.at(-1)!.end, steps };
  });
  return { mode, how: mode, total: Math.max(...results.map((r) => r.end)), results };
}

const serial = (() => {
  let at = 0;
  return madeUp('serial', (name) => {
    const start = at;
    const errand = ERRANDS.find((e) => e.name === name)!;
    at += errand.kind === 'cpu' ? STUCK : errand.steps.length * RTT;
    return { start, runner: 'Event loop' };
  });
})();
// On one loop the I/O replies are handled only once the stuck errand lets go: their steps end after it.
const concurrent = madeUp('concurrent', (name) => ({
  start: name === 'stuck' ? 0.1 : STUCK - RTT + 1,
  runner: 'Event loop',
}));
const parallel = madeUp('parallel', (_name, index) => ({ start: 0.5, runner: `Worker ${index + 1}` }));

test('the diagram of each mode is a Mermaid sequence diagram with numbered calls and replies', async () => {
  for (const run of [serial, concurrent, parallel]) {
    const { actors, statements } = await parseSequence(renderErrandsDiagram(run));
    assert.equal(statements[0]?.type, 'autonumber', run.mode);
    assert.ok(
      actors.includes('Bank') && actors.includes('Chicken_shop') && actors.includes('Mart'),
      run.mode,
    );
    const calls = statements.filter((s) => s.type === 'call');
    // Five I/O steps and the stuck loop; in parallel mode also one hand-off per errand.
    assert.equal(calls.length, run.mode === 'parallel' ? 10 : 6, run.mode);
    const replies = statements.filter((s) => s.type === 'reply');
    assert.equal(replies.length, run.mode === 'parallel' ? 9 : 5, run.mode);
    assert.ok(
      calls.some((s) => s.from === s.to && s.text.startsWith('stuck at the checkout')),
      run.mode,
    );
    const lanes = statements.filter((s) => s.type === 'par' || s.type === 'and').length;
    assert.equal(lanes, run.mode === 'serial' ? 0 : 4, `${run.mode}: one par lane per overlapping errand`);
  }
  const { statements } = await parseSequence(renderErrandsDiagram(parallel));
  const handOffs = statements.filter((s) => s.type === 'call' && s.from === 'Main_thread');
  assert.deepEqual(
    handOffs.map((s) => s.text),
    ERRANDS.map((e) => `run the ${e.name} errand`),
  );
});

test('the shape checks pass on the predicted shape and fail on others', () => {
  assert.deepEqual(
    checkShape([serial, concurrent, parallel]).map((c) => c.pass),
    [true, true, true],
  );
  // A "parallel" run that behaves like one loop: the stuck errand holds everyone up.
  const stuckParallel = { ...concurrent, mode: 'parallel' as const };
  const checks = checkShape([serial, concurrent, stuckParallel]);
  assert.deepEqual(
    checks.map((c) => c.pass),
    [true, true, false],
  );
  assert.match(checks[2]!.text, /^FAIL \(c\)/);
  // A "concurrent" run that took as long as the serial one and was not held up: no overlap, no delay.
  const serialAsConcurrent = { ...serial, mode: 'concurrent' as const };
  assert.deepEqual(
    checkShape([serial, serialAsConcurrent, parallel]).map((c) => c.pass),
    [false, false, true],
  );
});

test('a real run on PostgreSQL: the stuck errand holds up one loop, not the worker threads', {
  skip: process.env.DATABASE_URL ? false : 'needs PostgreSQL (DATABASE_URL=… npm test)',
  timeout: 60_000,
}, async () => {
  const runs = await runErrandsLab({
    databaseUrl: process.env.DATABASE_URL!,
    rttMs: 10,
    stuckIterations: 80_000_000,
  });
  assert.deepEqual(
    runs.map((r) => r.mode),
    ['serial', 'concurrent', 'parallel'],
  );
  const [, oneLoop, workers] = runs as [ModeRun, ModeRun, ModeRun];
  const stuckEnd = (run: ModeRun) => run.results.find((r) => r.errand.kind === 'cpu')!.end;
  for (const result of oneLoop.results) assert.ok(result.end >= stuckEnd(oneLoop) - 0.01, result.errand.name);
  for (const result of workers.results.filter((r) => r.errand.kind === 'io'))
    assert.ok(result.end < stuckEnd(workers), `${result.errand.name} finished before the stuck errand`);
  assert.deepEqual(
    new Set(workers.results.map((r) => r.runner)).size,
    ERRANDS.length,
    'one worker thread per errand',
  );
  for (const run of runs) await parseSequence(renderErrandsDiagram(run));
});
