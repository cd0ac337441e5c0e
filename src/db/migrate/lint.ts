// What each statement of a migration does to a live table: the lock it takes (PostgreSQL's table-level lock
// modes), what that lock blocks while it is held, whether the table is scanned, rewritten or an index built,
// and, where a safer form exists, the rule it breaks and the rewrite. Read from PostgreSQL's own parse tree
// (statements.ts), never from the text. Rules are named like squawk's and strong_migrations' checks
// (docs/migrations.md has them side by side).
import type {
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  DropStmt,
  IndexStmt,
  Node,
  RangeVar,
  RenameStmt,
} from 'libpg-query';
import {
  BLOCKS,
  type Level,
  LOCK_MODES,
  type LockMode,
  RULES,
  type RuleName,
  type Work,
} from './lint-rules.ts';
import { MigrationError } from './migration-error.ts';
import { type Allow, parseSql, type Statement } from './statements.ts';

export type Finding = Readonly<{
  rule: RuleName;
  level: Level;
  problem: string;
  safe: string;
  /** The reason of the migration's `-- gather:allow <rule> <why>`; undefined when not acknowledged. */
  allowed: string | undefined;
}>;

export type Annotation = Readonly<{
  statement: Statement;
  /** The table whose lock matters; undefined when the statement takes no table lock (or names no table). */
  table: string | undefined;
  lock: LockMode | undefined;
  blocks: readonly string[];
  work: Work;
  /** The table was created earlier in this migration: it is empty and no other session sees it yet. */
  newTable: boolean;
  /** CREATE/DROP INDEX CONCURRENTLY: it cannot run inside a transaction. */
  concurrent: boolean;
  /** The index a concurrent CREATE INDEX builds (a failed build leaves it INVALID). */
  builds: string | undefined;
  findings: readonly Finding[];
}>;

export type Lint = Readonly<{ annotations: Annotation[]; allows: Allow[] }>;

type Verdict = { lock: LockMode | undefined; work: Work; rules: RuleName[] };

const relname = (relation: RangeVar | undefined) => relation?.relname;

const strongest = (a: LockMode | undefined, b: LockMode | undefined) =>
  a === undefined ? b : b === undefined ? a : LOCK_MODES.indexOf(a) >= LOCK_MODES.indexOf(b) ? a : b;

const WORK_ORDER: readonly Work[] = ['catalog', 'rows', 'scan', 'build', 'rewrite', 'unknown'];
const heavier = (a: Work, b: Work) => (WORK_ORDER.indexOf(a) >= WORK_ORDER.indexOf(b) ? a : b);

/** Functions whose value is fixed for the statement: a default of them is stored once, without a rewrite. */
const STABLE_FUNCTIONS = new Set([
  'now',
  'statement_timestamp',
  'transaction_timestamp',
  'current_timestamp',
]);
/** Expression nodes that are constant when their parts are. */
const CONSTANT_NODES = new Set([
  'A_Const',
  'TypeCast',
  'String',
  'Integer',
  'Float',
  'Boolean',
  'A_Expr',
  'BoolExpr',
  'A_ArrayExpr',
  'SQLValueFunction',
  'List',
  'FuncCall',
]);

/** Whether an expression's value is the same for every existing row (so ADD COLUMN stores it once). */
function isConstant(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isConstant);
  if (typeof node !== 'object' || node === null) return true;
  for (const [key, value] of Object.entries(node)) {
    const isNode = /^[A-Z]/.test(key);
    if (isNode && !CONSTANT_NODES.has(key)) return false;
    if (key === 'FuncCall') {
      const name = (value as { funcname?: Node[] }).funcname?.at(-1);
      const fn = name !== undefined && 'String' in name ? name.String.sval : undefined;
      if (fn === undefined || !STABLE_FUNCTIONS.has(fn)) return false;
    }
    if (!isConstant(value)) return false;
  }
  return true;
}

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

function constraintsOf(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).flatMap((node) => ('Constraint' in node ? [node.Constraint] : []));
}

function addColumn(column: ColumnDef): Verdict {
  const constraints = constraintsOf(column);
  const has = (type: string) => constraints.some((c) => c.contype === type);
  const typeName = column.typeName?.names?.at(-1);
  const serial =
    typeName !== undefined && 'String' in typeName && SERIAL_TYPES.has(typeName.String.sval ?? '');
  const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const rules: RuleName[] = [];
  let work: Work = 'catalog';
  const stored = constraints.some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v');
  if (serial || has('CONSTR_IDENTITY') || stored || (defaultExpr !== undefined && !isConstant(defaultExpr))) {
    rules.push('add-column-volatile-default');
    work = 'rewrite';
  } else if (has('CONSTR_NOTNULL') && defaultExpr === undefined) {
    rules.push('add-column-not-null-without-default');
  }
  if (has('CONSTR_UNIQUE') || has('CONSTR_PRIMARY')) {
    rules.push('add-unique-constraint-builds-index');
    work = heavier(work, 'build');
  }
  const references = has('CONSTR_FOREIGN');
  if (references) {
    rules.push('add-foreign-key-validates');
    work = heavier(work, 'scan');
  }
  return { lock: 'ACCESS EXCLUSIVE', work, rules };
}

function addConstraint(constraint: Constraint, notValid: Set<string>): Verdict {
  switch (constraint.contype) {
    case 'CONSTR_FOREIGN':
      if (constraint.skip_validation) {
        if (constraint.conname !== undefined) notValid.add(constraint.conname);
        return { lock: 'SHARE ROW EXCLUSIVE', work: 'catalog', rules: [] };
      }
      return { lock: 'SHARE ROW EXCLUSIVE', work: 'scan', rules: ['add-foreign-key-validates'] };
    case 'CONSTR_CHECK':
      if (constraint.skip_validation) {
        if (constraint.conname !== undefined) notValid.add(constraint.conname);
        return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: [] };
      }
      return { lock: 'ACCESS EXCLUSIVE', work: 'scan', rules: ['add-check-validates'] };
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
    case 'CONSTR_EXCLUSION':
      if (constraint.indexname !== undefined) return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: [] };
      return { lock: 'ACCESS EXCLUSIVE', work: 'build', rules: ['add-unique-constraint-builds-index'] };
    case 'CONSTR_NOTNULL':
      return { lock: 'ACCESS EXCLUSIVE', work: 'scan', rules: ['set-not-null-scans'] };
    default:
      return { lock: 'ACCESS EXCLUSIVE', work: 'unknown', rules: [] };
  }
}

function alterTableCommand(cmd: AlterTableCmd, notValid: Set<string>): Verdict {
  const def = cmd.def;
  switch (cmd.subtype) {
    case 'AT_AddColumn':
      return def !== undefined && 'ColumnDef' in def
        ? addColumn(def.ColumnDef)
        : { lock: 'ACCESS EXCLUSIVE', work: 'unknown', rules: [] };
    case 'AT_AddConstraint':
      return def !== undefined && 'Constraint' in def
        ? addConstraint(def.Constraint, notValid)
        : { lock: 'ACCESS EXCLUSIVE', work: 'unknown', rules: [] };
    case 'AT_ValidateConstraint':
      return {
        lock: 'SHARE UPDATE EXCLUSIVE',
        work: 'scan',
        rules: cmd.name !== undefined && notValid.has(cmd.name) ? ['validate-in-same-transaction'] : [],
      };
    case 'AT_SetNotNull':
      return { lock: 'ACCESS EXCLUSIVE', work: 'scan', rules: ['set-not-null-scans'] };
    case 'AT_AlterColumnType':
      return { lock: 'ACCESS EXCLUSIVE', work: 'rewrite', rules: ['alter-column-type-rewrites'] };
    case 'AT_DropColumn':
      return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: ['drop-column-breaks-running-code'] };
    case 'AT_DropNotNull':
    case 'AT_ColumnDefault':
    case 'AT_DropConstraint':
      return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: [] };
    case 'AT_EnableTrig':
    case 'AT_DisableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
      return { lock: 'SHARE ROW EXCLUSIVE', work: 'catalog', rules: [] };
    default:
      return { lock: 'ACCESS EXCLUSIVE', work: 'unknown', rules: [] };
  }
}

function alterTable(statement: AlterTableStmt, notValid: Set<string>): Verdict {
  let verdict: Verdict = { lock: undefined, work: 'catalog', rules: [] };
  for (const node of statement.cmds ?? []) {
    if (!('AlterTableCmd' in node)) continue;
    const next = alterTableCommand(node.AlterTableCmd, notValid);
    verdict = {
      lock: strongest(verdict.lock, next.lock),
      work: heavier(verdict.work, next.work),
      rules: [...verdict.rules, ...next.rules],
    };
  }
  return verdict;
}

function index(statement: IndexStmt): Verdict {
  if (statement.concurrent) {
    const restartable = statement.idxname !== undefined && statement.if_not_exists === true;
    return {
      lock: 'SHARE UPDATE EXCLUSIVE',
      work: 'build',
      rules: restartable ? [] : ['concurrent-index-not-restartable'],
    };
  }
  return { lock: 'SHARE', work: 'build', rules: ['create-index-blocking-writes'] };
}

function drop(statement: DropStmt): Verdict {
  switch (statement.removeType) {
    case 'OBJECT_INDEX':
      if (statement.concurrent) {
        return {
          lock: 'SHARE UPDATE EXCLUSIVE',
          work: 'catalog',
          rules: statement.missing_ok ? [] : ['concurrent-index-not-restartable'],
        };
      }
      return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: [] };
    case 'OBJECT_TABLE':
      return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: ['drop-table-breaks-running-code'] };
    case 'OBJECT_TRIGGER':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_SEQUENCE':
      return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: [] };
    default:
      return { lock: undefined, work: 'catalog', rules: [] };
  }
}

function rename(statement: RenameStmt): Verdict {
  if (statement.renameType === 'OBJECT_INDEX')
    return { lock: 'SHARE UPDATE EXCLUSIVE', work: 'catalog', rules: [] };
  const breaks = statement.renameType === 'OBJECT_TABLE' || statement.renameType === 'OBJECT_COLUMN';
  return { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: breaks ? ['rename-breaks-running-code'] : [] };
}

/** The table a DROP names, when it drops tables or a trigger (ON table). */
function droppedTable(statement: DropStmt): string | undefined {
  if (statement.removeType !== 'OBJECT_TABLE' && statement.removeType !== 'OBJECT_TRIGGER') return undefined;
  const first = statement.objects?.[0];
  if (first === undefined || !('List' in first)) return undefined;
  const names = (first.List.items ?? []).flatMap((item) =>
    'String' in item ? [item.String.sval ?? ''] : [],
  );
  // DROP TABLE [schema.]table; DROP TRIGGER name ON [schema.]table is stored as [schema.]table.name.
  return statement.removeType === 'OBJECT_TABLE' ? names.at(-1) : names.at(-2);
}

/** LOCK TABLE's mode by PostgreSQL's number for it (lockdefs.h); ROW SHARE (2) blocks what ACCESS SHARE does
 * and EXCLUSIVE's holders, close enough to be shown as ACCESS SHARE. */
const LOCK_STATEMENT_MODES: Record<number, LockMode> = {
  1: 'ACCESS SHARE',
  2: 'ACCESS SHARE',
  3: 'ROW EXCLUSIVE',
  4: 'SHARE UPDATE EXCLUSIVE',
  5: 'SHARE',
  6: 'SHARE ROW EXCLUSIVE',
  7: 'EXCLUSIVE',
  8: 'ACCESS EXCLUSIVE',
};

/** Statements that take no table lock at all (functions, sequences, types, comments, settings…). */
const NO_TABLE_LOCK: Verdict = { lock: undefined, work: 'catalog', rules: [] };

function verdictOf(node: Node, notValid: Set<string>): { table: string | undefined; verdict: Verdict } {
  if ('CreateStmt' in node) return { table: relname(node.CreateStmt.relation), verdict: NO_TABLE_LOCK };
  if ('IndexStmt' in node) return { table: relname(node.IndexStmt.relation), verdict: index(node.IndexStmt) };
  if ('AlterTableStmt' in node) {
    return {
      table: relname(node.AlterTableStmt.relation),
      verdict: alterTable(node.AlterTableStmt, notValid),
    };
  }
  if ('DropStmt' in node) return { table: droppedTable(node.DropStmt), verdict: drop(node.DropStmt) };
  if ('RenameStmt' in node)
    return { table: relname(node.RenameStmt.relation), verdict: rename(node.RenameStmt) };
  if ('CreateTrigStmt' in node) {
    return {
      table: relname(node.CreateTrigStmt.relation),
      verdict: { lock: 'SHARE ROW EXCLUSIVE', work: 'catalog', rules: [] },
    };
  }
  if ('LockStmt' in node) {
    const first = node.LockStmt.relations?.[0];
    return {
      table: first !== undefined && 'RangeVar' in first ? relname(first.RangeVar) : undefined,
      verdict: { lock: LOCK_STATEMENT_MODES[node.LockStmt.mode ?? 8], work: 'catalog', rules: [] },
    };
  }
  const rows = (relation: RangeVar | undefined, everyRow = false) => ({
    table: relname(relation),
    verdict: {
      lock: 'ROW EXCLUSIVE',
      work: 'rows',
      rules: everyRow ? ['update-every-row-in-one-statement'] : [],
    } satisfies Verdict,
  });
  if ('InsertStmt' in node) return rows(node.InsertStmt.relation);
  if ('UpdateStmt' in node) return rows(node.UpdateStmt.relation, node.UpdateStmt.whereClause === undefined);
  if ('DeleteStmt' in node) return rows(node.DeleteStmt.relation, node.DeleteStmt.whereClause === undefined);
  if ('TruncateStmt' in node) {
    const first = node.TruncateStmt.relations?.[0];
    return {
      table: first !== undefined && 'RangeVar' in first ? relname(first.RangeVar) : undefined,
      verdict: { lock: 'ACCESS EXCLUSIVE', work: 'catalog', rules: [] },
    };
  }
  const noTable = [
    'CreateFunctionStmt',
    'CreateSeqStmt',
    'AlterSeqStmt',
    'CreateEnumStmt',
    'AlterEnumStmt',
    'CompositeTypeStmt',
    'CreateDomainStmt',
    'CommentStmt',
    'VariableSetStmt',
    'CreateSchemaStmt',
    'CreateExtensionStmt',
    'SelectStmt',
  ];
  if (noTable.some((kind) => kind in node)) return { table: undefined, verdict: NO_TABLE_LOCK };
  return { table: undefined, verdict: { lock: undefined, work: 'unknown', rules: [] } };
}

/** Annotates every statement of one migration file (`file` names it in errors). */
export function lintSql(sql: string, file: string): Lint {
  const { statements, allows } = parseSql(sql, file);
  for (const allow of allows) {
    if (!(allow.rule in RULES)) {
      throw new MigrationError(
        `${file} line ${allow.line}: gather:allow names no rule "${allow.rule}" (rules: ${Object.keys(RULES).join(', ')})`,
      );
    }
  }
  const allowed = new Map(allows.map((allow) => [allow.rule, allow.why]));
  const created = new Set<string>();
  const notValid = new Set<string>();
  const annotations = statements.map((statement): Annotation => {
    const { table, verdict } = verdictOf(statement.node, notValid);
    const newTable = table !== undefined && created.has(table);
    if ('CreateStmt' in statement.node && table !== undefined) created.add(table);
    const indexStmt = 'IndexStmt' in statement.node ? statement.node.IndexStmt : undefined;
    const concurrent =
      indexStmt?.concurrent === true ||
      ('DropStmt' in statement.node && statement.node.DropStmt.concurrent === true);
    // A table this migration created is empty and invisible to other sessions: locking it blocks no one.
    // The restartability of a concurrent statement still matters.
    const rules = newTable
      ? verdict.rules.filter((rule) => rule === 'concurrent-index-not-restartable')
      : verdict.rules;
    return {
      statement,
      table,
      lock: verdict.lock,
      blocks: verdict.lock === undefined || newTable ? [] : BLOCKS[verdict.lock],
      work: verdict.work,
      newTable,
      concurrent,
      builds: indexStmt?.concurrent === true ? indexStmt.idxname : undefined,
      findings: [...new Set(rules)].map((rule) => ({ rule, ...RULES[rule], allowed: allowed.get(rule) })),
    };
  });
  return { annotations, allows };
}

/** Findings that stop `upgrade`: unsafe and not acknowledged. */
export function refusals(lint: Lint): { annotation: Annotation; finding: Finding }[] {
  return lint.annotations.flatMap((annotation) =>
    annotation.findings
      .filter((finding) => finding.level === 'unsafe' && finding.allowed === undefined)
      .map((finding) => ({ annotation, finding })),
  );
}
