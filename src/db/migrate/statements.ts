// A migration's SQL as PostgreSQL's own parser reads it (libpg-query: the server's grammar compiled to
// WASM): its statements with their exact text and line, and its `-- gather:allow <rule> <why>` comments.
// The lint reads the parse trees; the runner executes the texts.
import { createRequire } from 'node:module';
import type * as SqlParser from 'libpg-query';
import { MigrationError } from './migration-error.ts';

export type Statement = Readonly<{
  /** The statement's text as written, without its terminating semicolon. */
  text: string;
  /** 1-based line of the file where it starts. */
  line: number;
  node: SqlParser.Node;
}>;

/** An acknowledged unsafe operation: `-- gather:allow <rule> <why>` anywhere in the file. */
export type Allow = Readonly<{ rule: string; why: string; line: number }>;

export type ParsedSql = Readonly<{ statements: Statement[]; allows: Allow[] }>;

let parser: typeof SqlParser | undefined;
let loading: Promise<void> | undefined;
/** The callers of loadSqlParser that have not unloaded it yet. */
let holders = 0;
/** What loading the parser added to require's cache: taken out when it is unloaded. */
let cachedModules: string[] = [];

/**
 * Loads the parser (WASM); every function below needs it loaded, until the function returned is called. Loaded
 * when asked for, not at the top: it holds ~6 MB resident and 128 MB of external memory, which a server whose
 * migrations are all applied never needs, and unloaded when its last holder is done, so that a server that
 * applied its migrations at start does not keep it for good. Through its CommonJS build, whose modules can be
 * taken out of require's cache (an ES module is held by its loader for good); then nothing refers to the WASM.
 */
export async function loadSqlParser(): Promise<() => void> {
  holders += 1;
  loading ??= (async () => {
    // A require made for this load only: a kept one would keep the parser too (its module lists what it loaded).
    const require = createRequire(import.meta.url);
    const before = new Set(Object.keys(require.cache));
    const module = require('libpg-query') as typeof SqlParser;
    cachedModules = Object.keys(require.cache).filter((key) => !before.has(key));
    await module.loadModule();
    parser = module;
  })();
  try {
    await loading;
  } catch (error) {
    releaseHolder();
    throw error;
  }
  let held = true;
  return () => {
    if (held) releaseHolder();
    held = false;
  };
}

/** One holder done: after the last, the parser's modules are taken out of require's cache and it is let go. */
function releaseHolder(): void {
  holders -= 1;
  if (holders > 0) return;
  const require = createRequire(import.meta.url);
  for (const key of cachedModules) delete require.cache[key];
  cachedModules = [];
  parser = undefined;
  loading = undefined;
}

/** The parser, while it is loaded (loadSqlParser). */
export function sqlParser(): typeof SqlParser {
  if (parser === undefined) throw new Error('the SQL parser is not loaded: await loadSqlParser() first');
  return parser;
}

const ALLOW = /^--\s*gather:allow\s+([a-z0-9-]+)\s+(\S.*)$/;
const MENTIONS_ALLOW = /^--\s*gather:allow\b/;

/** Splits and parses `sql` (`file` names it in errors). Locations from the parser are UTF-8 byte offsets. */
export function parseSql(sql: string, file: string): ParsedSql {
  const bytes = Buffer.from(sql, 'utf8');
  const lineAt = (offset: number) => bytes.subarray(0, offset).toString('utf8').split('\n').length;
  let tree: ReturnType<typeof SqlParser.parseSync>;
  try {
    tree = sqlParser().parseSync(sql);
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    const where = position === undefined ? '' : ` at line ${lineAt(position)}`;
    throw new MigrationError(`${file}: PostgreSQL cannot parse it${where}: ${(error as Error).message}`);
  }
  const statements = (tree.stmts ?? []).map((raw) => {
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len === undefined || raw.stmt_len === 0 ? bytes.length : start + raw.stmt_len;
    const text = bytes.subarray(start, end).toString('utf8').trim();
    return { text, line: lineAt(start), node: raw.stmt! };
  });
  const allows: Allow[] = [];
  for (const token of sqlParser().scanSync(sql).tokens) {
    if (token.tokenName !== 'SQL_COMMENT') continue;
    const comment = bytes.subarray(token.start, token.end).toString('utf8').trim();
    if (!MENTIONS_ALLOW.test(comment)) continue;
    const lineStart = token.start === 0 ? 0 : bytes.lastIndexOf(0x0a, token.start - 1) + 1;
    const match = ALLOW.exec(comment);
    // On a line of its own, so that the checksum (files.ts) leaves exactly these lines out.
    const alone = bytes.subarray(lineStart, token.start).toString('utf8').trim() === '';
    if (match === null || !alone) {
      throw new MigrationError(
        `${file} line ${lineAt(token.start)}: write the acknowledgement on a line of its own, as ` +
          '-- gather:allow <rule> <why>',
      );
    }
    allows.push({ rule: match[1]!, why: match[2]!, line: lineAt(token.start) });
  }
  return { statements, allows };
}

/** The statement without its CONCURRENTLY keyword (found by the lexer, so never inside a name or string). */
export function withoutConcurrently(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const keyword = sqlParser()
    .scanSync(text)
    .tokens.find((token) => token.text.toUpperCase() === 'CONCURRENTLY');
  if (keyword === undefined) return text;
  return Buffer.concat([bytes.subarray(0, keyword.start), bytes.subarray(keyword.end + 1)]).toString('utf8');
}
