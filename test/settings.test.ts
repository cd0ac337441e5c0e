// The settings' one declaration (src/settings.ts): the README's list and --help are made from it, every
// variable's bad value is refused in one line that names what it accepts, and a default shown is the default.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadConfig } from '../src/config.ts';
import {
  ConfigError,
  readSetting,
  SETTINGS,
  type Setting,
  type SettingName,
  settingsHelp,
} from '../src/settings.ts';
import { README, withGeneratedBlocks } from '../tools/docs-readme.ts';

const NAMES = Object.keys(SETTINGS) as SettingName[];
const CONTEXT = { production: false, test: false, terminal: false, poolMax: 10 };

test("the README's settings list is the declaration's (npm run docs:readme rewrites it)", () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(withGeneratedBlocks(readme), readme);
  for (const name of NAMES) assert.match(readme, new RegExp(`^- \`${name}\` \\(default `, 'm'), name);
});

test("gather serve --help's environment section names every setting with its default", () => {
  const help = settingsHelp();
  for (const name of NAMES) assert.match(help, new RegExp(`^  ${name} \\(default `, 'm'), name);
  assert.ok(
    help.split('\n').every((line) => line.length <= 100),
    'lines of at most 100 characters',
  );
});

test('a bad value of any setting stops the start with one line: the name, what it accepts, the value', () => {
  for (const name of NAMES) {
    const declared = SETTINGS[name] as Setting<unknown>;
    const bad = '%%not-a-value%%';
    if (declared.parse(bad) !== undefined) continue; // free text (HOST, NODE_ENV, GATHER_DATA_DIR)
    assert.throws(
      () => readSetting({ [name]: bad }, name, CONTEXT),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === `${name} must be ${declared.allowed}${declared.quotable ? `, got "${bad}"` : ''}`,
      name,
    );
  }
});

test('a default the README shows as a value is the value an unset variable takes', () => {
  for (const name of NAMES) {
    const declared = SETTINGS[name] as Setting<unknown>;
    const shown = /^`([^`]*)`$/.exec(declared.shownDefault)?.[1];
    if (shown === undefined) continue; // unset, generated, or a rule (half of `DB_POOL_MAX`)
    assert.deepEqual(declared.parse(shown), declared.fallback(CONTEXT), name);
  }
});

test('the configuration holds every setting once, under its name in camel case, and nothing else of its own', () => {
  const config = loadConfig({ DB_POOL_MAX: '7', GATHER_DATA_DIR: '/srv/gather', REQUEST_TIMEOUT_MS: '9000' });
  assert.equal(config.dbPoolMax, 7);
  assert.equal(config.gatherDataDir, '/srv/gather');
  assert.equal(config.requestTimeoutMs, 9000);
  const fields = NAMES.map((name) =>
    name.toLowerCase().replace(/_([a-z])/g, (_, letter) => letter.toUpperCase()),
  );
  const derived = ['migrationPolicy', 'otel', 'production'];
  assert.deepEqual(Object.keys(config).sort(), [...fields, ...derived].sort());
});

test('defaults that depend on another setting follow it', () => {
  const config = loadConfig({ DB_POOL_MAX: '7', NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, true);
  assert.equal(config.dbPoolGroupMax, 4);
  assert.equal(config.dbPoolQueueMax, 28);
  assert.equal(config.gatherTrace, false);
  assert.equal(config.logFormat, 'json');
  assert.equal(loadConfig({}, true).logFormat, 'pretty');
  assert.equal(loadConfig({ NODE_ENV: 'test' }, false).logLevel, 'silent');
  assert.throws(
    () => loadConfig({ DB_POOL_MAX: '4', DB_POOL_GROUP_MAX: '5' }),
    /DB_POOL_GROUP_MAX \(5\) must be at most DB_POOL_MAX \(4\)/,
  );
});

test('secrets are never printed: a short JWT_SECRET is not quoted, a URL loses its password', () => {
  assert.throws(
    () => loadConfig({ JWT_SECRET: 'short-secret' }),
    (error: Error) => !error.message.includes('short-secret'),
  );
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://app:hunter2@db/app' }),
    (error: Error) => !error.message.includes('hunter2') && error.message.includes('mysql://app:…@db/app'),
  );
});
