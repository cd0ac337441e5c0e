// What an upgrade or downgrade will run, decided before anything runs: the same plan is executed by
// `upgrade`/`downgrade` and printed by `sql`/`--dry-run`, so the review shows exactly what executes.
import type { Migration } from './files.ts';
import { MigrationError } from './migration-error.ts';

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

/** The script one step runs inside its transaction: the migration's SQL, then its history record. */
export function stepScript(step: Step): string {
  const { name, checksum, up, down } = step.migration;
  // Names match /^\d{4}_[a-z0-9_]+$/ and checksums are hex: safe to inline, so the printed SQL is exact.
  const record =
    step.direction === 'up'
      ? `INSERT INTO "${HISTORY_TABLE}" ("name", "checksum") VALUES ('${name}', '${checksum}');`
      : `DELETE FROM "${HISTORY_TABLE}" WHERE "name" = '${name}';`;
  return `${(step.direction === 'up' ? up : down).trimEnd()}\n\n${record}\n`;
}

/** The plan as `gather db sql` prints it: each step as the transaction that runs it. */
export function renderPlan(steps: readonly Step[]): string {
  if (steps.length === 0) return '-- nothing to run\n';
  return steps
    .map((step) => `-- ${step.migration.name} (${step.direction})\nBEGIN;\n${stepScript(step)}COMMIT;\n`)
    .join('\n');
}
