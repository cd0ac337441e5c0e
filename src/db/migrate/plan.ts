// What an upgrade or downgrade will run, decided before anything runs: the same plan is executed by
// `upgrade`/`downgrade` and printed by `sql`/`--dry-run`, so the review shows exactly what executes, each
// statement annotated with what it locks (lint.ts).

import type { MigrationPolicy } from '../../config.ts';
import { describeBackfill, forgetBackfill, registerBackfill } from './backfill.ts';
import type { Migration } from './files.ts';
import { type Annotation, type Lint, lintSql, refusals } from './lint.ts';
import { WORK } from './lint-rules.ts';
import { MigrationError } from './migration-error.ts';
import { loadSqlParser, withoutConcurrently } from './statements.ts';

export const HISTORY_TABLE = 'gather_migrations';

export type AppliedMigration = Readonly<{ name: string; checksum: string; appliedAt: Date }>;

export type Step = Readonly<{ migration: Migration; direction: 'up' | 'down' }>;

/** Refuses to go on when an applied migration's files were edited or removed since it ran. */
export function assertNoDrift(migrations: readonly Migration[], applied: readonly AppliedMigration[]): void {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of applied) {
    const migration = byName.get(row.name);
    if (migration === undefined) {
      throw new MigrationError(`migration ${row.name} is applied but its folder is missing`);
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(
        `migration ${row.name} was edited after it was applied (checksum drift); ` +
          'restore the applied files and put the change in a new migration',
      );
    }
  }
}

/** Pending migrations in order, up to and including `target` (default: all). */
export function planUpgrade(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
  target?: string,
): Step[] {
  assertNoDrift(migrations, applied);
  const end = target === undefined ? migrations.length : migrations.findIndex((m) => m.name === target) + 1;
  if (end === 0) throw new MigrationError(`no migration named ${target}`);
  const done = new Set(applied.map((row) => row.name));
  return migrations
    .slice(0, end)
    .filter((m) => !done.has(m.name))
    .map((migration) => ({ migration, direction: 'up' }));
}

export type DowngradeTarget = { count: number } | { target: string };

/** Applied migrations to undo, newest first: the last `count`, or all after `target` ("base": all). */
export function planDowngrade(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
  to: DowngradeTarget,
): Step[] {
  assertNoDrift(migrations, applied);
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const newestFirst = [...applied].sort((a, b) => b.name.localeCompare(a.name));
  let undo: AppliedMigration[];
  if ('count' in to) {
    if (to.count > newestFirst.length) {
      throw new MigrationError(`cannot undo ${to.count} migration(s): ${newestFirst.length} applied`);
    }
    undo = newestFirst.slice(0, to.count);
  } else if (to.target === 'base') {
    undo = newestFirst;
  } else {
    if (!applied.some((row) => row.name === to.target)) {
      throw new MigrationError(`${to.target} is not an applied migration (or "base")`);
    }
    undo = newestFirst.filter((row) => row.name > to.target);
  }
  return undo.map((row) => ({ migration: byName.get(row.name)!, direction: 'down' }));
}

export type PhaseStatement = Readonly<{ annotation: Annotation; sql: string }>;

/**
 * A part of a step that runs as one unit: a transaction, or one CREATE/DROP INDEX CONCURRENTLY alone (it
 * cannot run inside a transaction). The history record is in the last transaction, after everything.
 */
export type Phase = Readonly<{
  transaction: boolean;
  statements: readonly PhaseStatement[];
  /** The history INSERT (up) or DELETE (down): in the last phase only. */
  record: string | undefined;
}>;

export type PlannedStep = Step & Readonly<{ file: string; lint: Lint; phases: readonly Phase[] }>;

export type PlanOptions = Readonly<{
  /**
   * false on PGlite: one connection, no concurrent traffic inside the embedded database (and its DROP INDEX
   * CONCURRENTLY fails): CONCURRENTLY statements run as their plain form inside the migration's transaction.
   */
  concurrently: boolean;
}>;

/** The history's record of a step, with its backfill's registration (up) or removal (down). */
function recordOf(step: Step): string {
  const { name, checksum, backfill } = step.migration;
  // Names match /^\d{4}_[a-z0-9_]+$/ and checksums are hex: safe to inline, so the printed SQL is exact.
  const record =
    step.direction === 'up'
      ? `INSERT INTO "${HISTORY_TABLE}" ("name", "checksum") VALUES ('${name}', '${checksum}')`
      : `DELETE FROM "${HISTORY_TABLE}" WHERE "name" = '${name}'`;
  if (backfill === undefined) return record;
  return `${record};\n${step.direction === 'up' ? registerBackfill(name) : forgetBackfill(name)}`;
}

function phasesOf(step: Step, lint: Lint, options: PlanOptions): Phase[] {
  const phases: { transaction: boolean; statements: PhaseStatement[]; record: string | undefined }[] = [];
  for (const annotation of lint.annotations) {
    const alone = annotation.concurrent && options.concurrently;
    const sql =
      annotation.concurrent && !alone
        ? withoutConcurrently(annotation.statement.text)
        : annotation.statement.text;
    const last = phases.at(-1);
    if (!alone && last?.transaction === true) last.statements.push({ annotation, sql });
    else phases.push({ transaction: !alone, statements: [{ annotation, sql }], record: undefined });
  }
  const last = phases.at(-1);
  if (last?.transaction === true) last.record = recordOf(step);
  else phases.push({ transaction: true, statements: [], record: recordOf(step) });
  return phases;
}

/** Parses, lints and splits each step into the phases that run it. */
export async function planSteps(steps: readonly Step[], options: PlanOptions): Promise<PlannedStep[]> {
  // Nothing to parse: a start whose migrations are all applied (every PGlite serve) never loads the parser.
  if (steps.length === 0) return [];
  const unloadSqlParser = await loadSqlParser();
  try {
    return steps.map((step) => {
      const file = `${step.migration.name}/${step.direction}.sql`;
      const lint = lintSql(step.direction === 'up' ? step.migration.up : step.migration.down, file);
      return { ...step, file, lint, phases: phasesOf(step, lint, options) };
    });
  } finally {
    unloadSqlParser();
  }
}

/** The unsafe statements of upgrade steps that no `-- gather:allow` acknowledges, as the refusal says them. */
export function unsafeStatements(steps: readonly PlannedStep[]): string[] {
  return steps.flatMap((step) =>
    refusals(step.lint).map(
      ({ annotation, finding }) =>
        `  ${step.file} line ${annotation.statement.line}: ${oneLine(annotation.statement.text)}\n` +
        `    ${finding.rule}: ${finding.problem}\n    safe: ${finding.safe}`,
    ),
  );
}

const oneLine = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ');
  return flat.length > 120 ? `${flat.slice(0, 117)}…` : flat;
};

/** The comment lines that say what a statement does to its table, and what is safer. */
export function describe(annotation: Annotation, inTransaction: boolean): string[] {
  const { lock, table, work } = annotation;
  const on = table === undefined ? "on the index's table" : `on "${table}"`;
  let head: string;
  if (lock === undefined) {
    // Only CREATE TABLE names a table and takes no lock on an existing one.
    head = table === undefined ? `lock: no table lock; ${WORK[work]}` : `lock: none, "${table}" is new`;
  } else if (annotation.newTable) {
    head = `lock: ${lock} ${on}, created above in this migration: empty and seen by no other session, blocks no one`;
  } else {
    const held = inTransaction ? 'held until COMMIT' : 'held while it runs';
    head = `lock: ${lock} ${on}, ${held}: blocks ${annotation.blocks.join(', ')}; ${WORK[work]}`;
  }
  const lines = [head];
  for (const finding of annotation.findings) {
    if (finding.allowed !== undefined) {
      lines.push(`allowed ${finding.rule} (-- gather:allow): ${finding.allowed}`);
    } else {
      lines.push(
        `${finding.level.toUpperCase()} ${finding.rule}: ${finding.problem}`,
        `  safe: ${finding.safe}`,
      );
    }
  }
  return lines.map((line) => `-- ${line}`);
}

function renderPhase(phase: Phase): string {
  const statements = phase.statements.map(
    ({ annotation, sql }) => `${describe(annotation, phase.transaction).join('\n')}\n${sql};\n`,
  );
  if (!phase.transaction) {
    const built = phase.statements[0]!.annotation.builds;
    const cleanup =
      built === undefined
        ? ''
        : `-- first, an INVALID "${built}" left by a failed build is dropped (DROP INDEX CONCURRENTLY IF EXISTS)\n`;
    return `-- outside a transaction (CONCURRENTLY cannot run inside one)\n${cleanup}${statements.join('')}\n`;
  }
  const record = phase.record === undefined ? '' : `\n${phase.record};\n`;
  return `BEGIN;\n${statements.join('\n')}${record}COMMIT;\n`;
}

/**
 * The plan as `gather db sql` prints it: a valid SQL script, each step as the phases that run it, each
 * statement preceded by comments saying what it locks and what is safer.
 */
export function renderPlan(steps: readonly PlannedStep[], locks: MigrationPolicy): string {
  if (steps.length === 0) return '-- nothing to run\n';
  const header =
    `-- every statement waits at most ${locks.timeoutMs} ms for a lock (lock_timeout); a phase that does not ` +
    `get one is rolled back and retried (${locks.attempts} attempts)\n`;
  const body = steps.map((step) => {
    const allows = step.lint.allows.map(
      (allow) => `-- ${step.file} line ${allow.line} acknowledges ${allow.rule}: ${allow.why}\n`,
    );
    const { backfill } = step.migration;
    const data =
      backfill === undefined || step.direction === 'down'
        ? ''
        : `${describeBackfill(backfill, locks.backfillPauseRatio).join('\n')}\n`;
    return `-- ${step.migration.name} (${step.direction})\n${allows.join('')}${step.phases.map(renderPhase).join('')}${data}`;
  });
  const refused = steps.filter((step) => step.direction === 'up').flatMap((step) => refusals(step.lint));
  const footer =
    refused.length === 0
      ? ''
      : `\n-- upgrade refuses this: ${refused.length} UNSAFE statement(s) above, not acknowledged ` +
        '(-- gather:allow <rule> <why> in up.sql, or --allow-unsafe)\n';
  return `${header}\n${body.join('\n')}${footer}`;
}

/** The plan as `--format json` prints it. */
export function planJson(steps: readonly PlannedStep[], locks: MigrationPolicy): object {
  return {
    lockTimeoutMs: locks.timeoutMs,
    lockAttempts: locks.attempts,
    backfillPauseRatio: locks.backfillPauseRatio,
    steps: steps.map((step) => ({
      migration: step.migration.name,
      direction: step.direction,
      allows: step.lint.allows,
      phases: step.phases.map((phase) => ({
        transaction: phase.transaction,
        statements: phase.statements.map(({ annotation, sql }) => ({
          line: annotation.statement.line,
          sql,
          table: annotation.table ?? null,
          lock: annotation.lock ?? null,
          blocks: annotation.blocks,
          work: annotation.work,
          newTable: annotation.newTable,
          findings: annotation.findings.map((finding) => ({ ...finding, allowed: finding.allowed ?? null })),
        })),
        record: phase.record ?? null,
      })),
      backfill: step.direction === 'up' ? (step.migration.backfill ?? null) : null,
    })),
  };
}
