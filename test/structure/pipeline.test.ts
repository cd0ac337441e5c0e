// The query pipeline (src/db/pipeline.ts): behaviour is added by wrapping, so no code in src/ assigns a function
// over another object's method (docs/architecture.md's drawing of the stages: test/docs/diagrams.test.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `object.method = <a function>`, where it is written: file:line and the text of the left side. */
function methodsReplaced(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  // A function written there, possibly in parentheses or cast (`(async (…) => …) as typeof pool.query`).
  const isFunction = (node: ts.Expression): boolean => {
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return isFunction(node.expression);
    return ts.isArrowFunction(node) || ts.isFunctionExpression(node);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isPropertyAccessExpression(node.left) &&
      node.left.expression.kind !== ts.SyntaxKind.ThisKeyword &&
      isFunction(node.right)
    ) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${relative(ROOT, file)}:${line + 1} ${node.left.getText()}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no code in src/ replaces a method of another object with its own function', () => {
  const replaced = sourceFiles(join(ROOT, 'src')).flatMap(methodsReplaced);
  assert.deepEqual(replaced, []);
});
