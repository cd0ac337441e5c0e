// `gather db` exit codes and help, without a database: 0 for help, 2 for a command called the wrong way
// (one line that says what is wrong and where the help is), and --help on every command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gatherInProcess } from '../helpers/cli.ts';

const COMMANDS = ['init', 'init-db', 'migrate', 'sql', 'upgrade', 'downgrade', 'history', 'heads', 'check'];

test('gather db --help lists every command; no command is a usage error; a typo gets a suggestion', async () => {
  const help = await gatherInProcess(['db', '--help']);
  assert.equal(help.code, 0);
  for (const command of COMMANDS) assert.match(help.out, new RegExp(`^  ${command}\\b`, 'm'));
  assert.equal((await gatherInProcess(['db'])).code, 2);
  const unknown = await gatherInProcess(['db', 'upgrad']);
  assert.equal(unknown.code, 2);
  assert.equal(
    unknown.err,
    "gather db: unknown command 'upgrad'; did you mean upgrade? (see gather db --help)\n",
  );
});

test('every command has --help and --version', async () => {
  for (const command of COMMANDS) {
    const help = await gatherInProcess(['db', command, '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.out, new RegExp(`^Usage: gather db ${command}\\b`), command);
    const version = await gatherInProcess(['db', command, '--version']);
    assert.equal(version.code, 0, command);
    assert.match(version.out, /^\d+\.\d+\.\d+\n$/);
  }
});

test('a command called the wrong way exits 2 with one line naming the problem and the help', async () => {
  const cases: [string[], RegExp][] = [
    [['migrate'], /required option '--name <name>' not specified/],
    [['downgrade', '-n', 'two'], /-n must be a positive integer/],
    [['downgrade', '-n', '0'], /-n must be a positive integer/],
    [['downgrade', '-n', '1', '0001_init'], /give -n or a target, not both/],
    [['upgrade', '--force'], /unknown option '--force'/],
    [['upgrade', '--dry-rn'], /unknown option '--dry-rn'; did you mean --dry-run\?/],
    [['history', 'extra'], /too many arguments for 'history'/],
  ];
  for (const [argv, message] of cases) {
    const result = await gatherInProcess(['db', ...argv]);
    assert.equal(result.code, 2, argv.join(' '));
    assert.match(result.err, message);
    assert.match(
      result.err,
      new RegExp(`^gather db ${argv[0]}: .*\\(see gather db ${argv[0]} --help\\)\\n$`),
    );
  }
});

test('a setting given as an option points to its environment variable', async () => {
  const port = await gatherInProcess(['serve', '--port', '4000']);
  assert.equal(port.code, 2);
  assert.equal(
    port.err,
    "gather serve: unknown option '--port': settings come from the environment, e.g. PORT=4000 gather serve " +
      '(see gather serve --help)\n',
  );
  const dataDir = await gatherInProcess(['seed', '--data-dir=/tmp/x']);
  assert.match(dataDir.err, /e\.g\. GATHER_DATA_DIR=\/tmp\/x gather seed/);
});
