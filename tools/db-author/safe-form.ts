// What `gather db migrate` writes instead of drizzle-kit's plain statements where a safe form exists (an index
// on an existing table is built CONCURRENTLY, an index is dropped CONCURRENTLY), and, above every statement
// the lint still finds unsafe, comments that say what to change (src/db/migrate/lint.ts decides both).
import { type Annotation, lintSql } from '../../src/db/migrate/lint.ts';
import { loadSqlParser, sqlParser } from '../../src/db/migrate/statements.ts';

/** `statement` with `words` inserted after its first INDEX keyword (found by the lexer). */
function afterIndexKeyword(statement: string, words: string): string {
  const keyword = sqlParser()
    .scanSync(statement)
    .tokens.find((token) => token.text.toUpperCase() === 'INDEX');
  if (keyword === undefined) return statement;
  const bytes = Buffer.from(statement, 'utf8');
  return `${bytes.subarray(0, keyword.end).toString('utf8')} ${words}${bytes.subarray(keyword.end).toString('utf8')}`;
}

function saferForm(statement: string, annotation: Annotation): string {
  const node = annotation.statement.node;
  if ('IndexStmt' in node && !annotation.concurrent && !annotation.newTable && node.IndexStmt.idxname) {
    return afterIndexKeyword(
      statement,
      node.IndexStmt.if_not_exists ? 'CONCURRENTLY' : 'CONCURRENTLY IF NOT EXISTS',
    );
  }
  if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_INDEX' && !annotation.concurrent) {
    const objects = node.DropStmt.objects?.length ?? 0;
    if (objects === 1 && node.DropStmt.behavior !== 'DROP_CASCADE') {
      return afterIndexKeyword(
        statement,
        node.DropStmt.missing_ok ? 'CONCURRENTLY' : 'CONCURRENTLY IF EXISTS',
      );
    }
  }
  return statement;
}

/** Comment lines for what the lint still finds in a statement: the rule, the problem, what to change. */
function advice(annotation: Annotation): string[] {
  return annotation.findings.flatMap((finding) => [
    `-- gather: ${finding.level.toUpperCase()} ${finding.rule}: ${finding.problem}`,
    `--   safe: ${finding.safe}`,
    `--   change it, or keep it with a line: -- gather:allow ${finding.rule} <why>`,
  ]);
}

/**
 * drizzle-kit's statements for one file (one statement each), in their safe form; up.sql also with advice
 * (upgrade refuses what the lint finds unsafe in it; a downgrade is never refused).
 */
export async function safeStatements(
  statements: readonly string[],
  file: string,
  direction: 'up' | 'down',
): Promise<string[]> {
  const unloadSqlParser = await loadSqlParser();
  try {
    const first = lintSql(statements.join('\n'), file).annotations;
    const rewritten = statements.map((statement, i) => saferForm(statement, first[i]!));
    // Linted again: the advice is about what the file will say.
    const annotations = lintSql(rewritten.join('\n'), file).annotations;
    if (direction === 'down') return rewritten;
    return rewritten.map((statement, i) => [...advice(annotations[i]!), statement].join('\n'));
  } finally {
    unloadSqlParser();
  }
}
