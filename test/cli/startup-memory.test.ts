// The memory start-up used, given back before `gather serve` listens (src/cli/startup-memory.ts): this thread's
// young generation, grown by allocation, is shrunk by the one collection; PGlite's thread collects its own and
// goes on answering. And V8's optimising compilers, held while start-up runs, optimise hot code once released.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import v8 from 'node:v8';
import { collectStartupGarbage } from '../../src/cli/startup-memory.ts';
import { openPgliteThread } from '../../src/db/pglite-thread.ts';

const youngGenerationMb = () =>
  v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.physical_space_size /
  2 ** 20;

test("one collection gives back the young generation that start-up's allocations grew", () => {
  // Objects kept across a few collections grow the young generation, as loading modules and migrating do.
  let kept: object[] = [];
  for (let round = 0; round < 20; round++) {
    kept = [];
    for (let i = 0; i < 200_000; i++) kept.push({ i, name: `item ${i}` });
  }
  kept = [];
  const grown = youngGenerationMb();
  assert.ok(grown >= 16, `the young generation grew to ${grown.toFixed(1)} MB`);
  collectStartupGarbage();
  const after = youngGenerationMb();
  assert.ok(
    after <= 2,
    `the young generation after the collection: ${after.toFixed(1)} MB (was ${grown.toFixed(1)})`,
  );
});

test("PGlite's thread collects its own heap and goes on answering", async () => {
  const database = await openPgliteThread(undefined);
  try {
    await database.exec('create table kept (id int); insert into kept values (1), (2)');
    await database.collectStartupGarbage();
    const { rows } = await database.query<{ count: number }>('select count(*)::int as count from kept');
    assert.deepEqual(rows, [{ count: 2 }]);
  } finally {
    await database.close();
  }
});

const source = (path: string) => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);

/**
 * Runs `scenario` (an ES module's body) in a Node of its own (V8's flags are the process's) started with
 * `nodeFlags`, and returns what it printed as JSON. The scenario has `hold` and `release` (startup-memory.ts),
 * and `optimisedAfterRounds(n)`: whether V8 optimises a hot function within n rounds of calling it (its
 * optimisation status, read through V8's natives syntax).
 */
function runScenario(
  nodeFlags: string[],
  scenario: string,
  env: Record<string, string> = {},
): Record<string, boolean> {
  const script = `
    import { holdOptimisingCompilers as hold, releaseOptimisingCompilers as release } from ${source('cli/startup-memory.ts')};
    const OPTIMISED = 1 << 4; // V8's OptimizationStatus::kOptimized (Maglev or TurboFan code)
    const hot = (a, b) => (a * 31 + b) % 1_000_003;
    const optimisedAfterRounds = async (rounds) => {
      for (let round = 0; round < rounds; round++) {
        let sum = 0;
        for (let i = 0; i < 10_000; i++) sum = hot(sum, i);
        // Optimised code is made on V8's worker threads and installed when this thread comes back to it.
        await new Promise((resolve) => setTimeout(resolve, 1));
        if ((%GetOptimizationStatus(hot) & OPTIMISED) !== 0) return true;
      }
      return false;
    };
    ${scenario}
  `;
  // A file, not --eval: PGlite's thread is started with this process's flags, and --input-type is not for it.
  const dir = mkdtempSync(join(tmpdir(), 'gather-scenario-'));
  // As the harness starts Gather: this process's environment less its DATABASE_URL (the embedded database).
  const { DATABASE_URL: _inherited, ...environment } = process.env;
  const file = join(dir, 'scenario.mjs');
  writeFileSync(file, script);
  const child = spawnSync(
    process.execPath,
    [
      ...(process.features.typescript ? [] : ['--import', 'tsx']),
      '--allow-natives-syntax',
      ...nodeFlags,
      file,
    ],
    { encoding: 'utf8', env: { ...environment, NODE_OPTIONS: '', ...env } },
  );
  rmSync(dir, { recursive: true, force: true });
  assert.equal(child.status, 0, child.stderr);
  // The scenario's JSON is its last line (a server prints its own lines before it).
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, boolean>;
}

const HELD_THEN_RELEASED = `
  hold();
  const held = await optimisedAfterRounds(100);
  release();
  const released = await optimisedAfterRounds(500);
  process.stdout.write(JSON.stringify({ held, released }));
`;

test("start-up's code is not optimised while the compilers are held, and hot code is once they are released", () => {
  assert.deepEqual(runScenario([], HELD_THEN_RELEASED), { held: false, released: true });
});

test('a Node started with its own choice of compilers keeps it: Gather neither holds nor releases them', () => {
  // Both compilers off on Node's command line: releasing must not turn them on.
  assert.deepEqual(runScenario(['--no-maglev', '--no-turbofan'], HELD_THEN_RELEASED), {
    held: false,
    released: false,
  });
});

test("the CLI lets the compilers go when a command's work begins", () => {
  // As src/cli/index.ts starts: held before the CLI's modules load; a command's action runs optimised code.
  const scenario = `
    hold();
    const { runCli } = await import(${source('cli/program.ts')});
    let inAction;
    await runCli(['work'], ({ program }) => {
      program.command('work').action(async () => {
        inAction = await optimisedAfterRounds(500);
      });
    });
    process.stdout.write(JSON.stringify({ inAction }));
  `;
  assert.deepEqual(runScenario([], scenario), { inAction: true });
});

test('gather serve lets the compilers go once it listens', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gather-compilers-'));
  try {
    const scenario = `
      const { serve } = await import(${source('cli/serve.ts')});
      const listening = new Promise((resolve) => {
        const log = console.log;
        console.log = (...args) => {
          log(...args);
          if (String(args[0]).startsWith('gather: listening on')) resolve();
        };
      });
      const served = serve({});
      await listening;
      const afterListening = await optimisedAfterRounds(500);
      process.kill(process.pid, 'SIGTERM');
      const code = await served;
      process.stdout.write(\`\\n\${JSON.stringify({ afterListening, stopped: code === 0 })}\`);
    `;
    const env = { GATHER_DATA_DIR: dataDir, PORT: '0', JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'warn' };
    assert.deepEqual(runScenario([], scenario, env), { afterListening: true, stopped: true });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
