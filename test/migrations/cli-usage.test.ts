// `gather db` exit codes and help, without a database: 0 for help, 2 for a command called the wrong way
// (with that command's usage), and --help on every command.
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { db } from '../../src/cli/db.ts';

const COMMANDS = ['init', 'init-db', 'migrate', 'sql', 'upgrade', 'downgrade', 'history', 'heads', 'check'];

async function run(t: TestContext, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  t.mock.method(console, 'log', (text: string) => out.push(text));
  t.mock.method(console, 'error', (text: string) => err.push(text));
  try {
    return { code: await db(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    t.mock.restoreAll();
  }
}

test('gather db --help lists every command; no command is a usage error', async (t) => {
  const help = await run(t, '--help');
  assert.equal(help.code, 0);
  for (const command of COMMANDS) assert.match(help.out, new RegExp(`^  ${command}\\b`, 'm'));
  assert.equal((await run(t)).code, 2);
  const unknown = await run(t, 'migrations');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "migrations"/);
});

test('every command has --help', async (t) => {
  for (const command of COMMANDS) {
    const help = await run(t, command, '--help');
    assert.equal(help.code, 0, command);
    assert.match(help.out, new RegExp(`^Usage: gather db ${command}\\b`), command);
  }
});

test('a command called the wrong way exits 2 with its usage', async (t) => {
  const cases: [string[], RegExp][] = [
    [['migrate'], /migrate needs --name <name>/],
    [['downgrade', '-n', 'two'], /-n must be a positive integer/],
    [['downgrade', '-n', '0'], /-n must be a positive integer/],
    [['downgrade', '-n', '1', '0001_init'], /give -n or a target, not both/],
    [['upgrade', '--force'], /Unknown option '--force'/],
    [['history', 'extra'], /unexpected extra/],
  ];
  for (const [argv, message] of cases) {
    const result = await run(t, ...argv);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.err, message);
    assert.match(result.err, new RegExp(`Usage: gather db ${argv[0]}`));
  }
});
