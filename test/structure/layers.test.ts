// The layering, checked over the import graph (TypeScript's own scanner): src/ is exactly what ships and
// imports only `dependencies`; inside it, imports point down the layers and never up; the workshop (tools/,
// bench/, test/) may import src/, never the reverse. A failure names each import that breaks a rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/**
 * src/ from the bottom up: a file may import its own layer and those below it. Within features/, a
 * feature's queries reach the database only through db/ and features/shared/, and one feature uses another
 * only through its schemas (DTOs) and presenters.
 */
const LAYERS: readonly (readonly string[])[] = [
  [
    'config.ts',
    'settings.ts',
    'version.ts',
    'command-error.ts',
    'digits.ts',
    'instrument.ts',
    'request-budget.ts',
    'types',
  ],
  ['db'],
  ['http'],
  ['tracing', 'metrics'],
  ['features'],
  ['seed'],
  ['app.ts'],
  ['boot.ts'],
  ['cli'],
];

type Import = { from: string; to: string };

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import, export-from and literal import() of a file: relative ones resolved to repository paths. */
function importsOf(file: string): Import[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName }) => ({
    from: file,
    to: fileName.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), fileName)) : fileName,
  }));
}

const isPackage = (to: string) => !to.startsWith('src/') && !/^(tools|bench|test|bin)\//.test(to);
const packageName = (to: string) =>
  to
    .split('/')
    .slice(0, to.startsWith('@') ? 2 : 1)
    .join('/');
const isBuiltin = (to: string) => to.startsWith('node:') || builtinModules.includes(to);

/** The layer of a file under src/ (its first path segment after src/). */
function layerOf(file: string): number {
  const top = file.split('/')[1]!;
  const layer = LAYERS.findIndex((names) => names.includes(top));
  if (layer === -1) throw new Error(`${file}: src/${top} is in no layer of test/structure/layers.test.ts`);
  return layer;
}

const describe = (imports: Import[]) => imports.map(({ from, to }) => `  ${from} → ${to}`).join('\n');

const SRC = sourceFiles('src').flatMap(importsOf);

test('src/ imports only node built-ins, its own files and the dependencies of package.json', () => {
  const outside = SRC.filter(({ to }) =>
    isPackage(to) ? !isBuiltin(to) && !(packageName(to) in PACKAGE.dependencies) : !to.startsWith('src/'),
  );
  assert.equal(describe(outside), '', 'src/ imports a devDependency or a workshop folder');
});

test('inside src/, imports point down the layers, never up', () => {
  const up = SRC.filter(({ from, to }) => to.startsWith('src/') && layerOf(to) > layerOf(from));
  assert.equal(describe(up), '', `imports from a lower layer to a higher one (${LAYERS.join(' < ')})`);
});

test('features reach the database through db/ and shared/, and each other only through DTOs and presenters', () => {
  const feature = (path: string) => /^src\/features\/([^/]+)\//.exec(path)?.[1];
  const broken = SRC.filter(({ from, to }) => {
    const own = feature(from);
    if (own === undefined || own === 'shared') return false;
    if (to.startsWith('src/tracing/') || to.startsWith('src/metrics/')) return true;
    const other = feature(to);
    if (other === undefined || other === own || other === 'shared') return false;
    if (from.endsWith('.queries.ts')) return true;
    return !/\.(schemas|present)\.ts$/.test(to);
  });
  assert.equal(describe(broken), '');
});

test('the workshop imports src/, never the reverse; the shared harness imports no test or bench code', () => {
  const workshop = ['tools', 'bench', 'test'].flatMap(sourceFiles).flatMap(importsOf);
  const broken = workshop.filter(({ from, to }) => {
    if (from.startsWith('tools/harness/')) return /^(test|bench|tools\/(?!harness\/))/.test(to);
    if (from.startsWith('tools/') || from.startsWith('bench/')) return to.startsWith('test/');
    return false;
  });
  assert.equal(describe(broken), '');
});

/**
 * The modules src/ loads as CommonJS, never with an ES import, and the one file that loads each (none: every
 * file takes it from process.getBuiltinModule).
 */
const LOADED_AS_COMMONJS: Record<string, string | undefined> = {
  'drizzle-orm': 'src/db/orm.ts',
  '@sinclair/typebox': 'src/http/typebox.ts',
  'libpg-query': 'src/db/migrate/statements.ts',
  'node:http': undefined,
};

/** A file's imports that bring values, not only types (an `import type`, or one whose every name is a type). */
function valueImportsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) => {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) return [];
    const clause = statement.importClause;
    const bindings = clause?.namedBindings;
    const typesOnly =
      clause !== undefined &&
      (clause.isTypeOnly ||
        (clause.name === undefined &&
          bindings !== undefined &&
          ts.isNamedImports(bindings) &&
          bindings.elements.every((element) => element.isTypeOnly)));
    return typesOnly ? [] : [{ from: file, to: statement.moduleSpecifier.text }];
  });
}

test('drizzle, TypeBox, the SQL parser and node:http are loaded only as CommonJS', () => {
  // An ES import of drizzle or TypeBox loads its ES build beside the CommonJS one, one of the SQL parser could
  // never be let go, and one of node:http loads undici: memory held for good (docs/performance.md).
  const broken = sourceFiles('src')
    .flatMap(valueImportsOf)
    .filter(
      ({ from, to }) => packageName(to) in LOADED_AS_COMMONJS && from !== LOADED_AS_COMMONJS[packageName(to)],
    );
  assert.equal(describe(broken), '');
});
