// The commands that need the workshop: benchmarks (bench/), writing migrations from the TypeScript schema
// (drizzle-kit), drawing a diagram as SVG (playwright-core and Chromium). Their code lives outside src/
// (tools/, bench/) and uses devDependencies; `gather` from a source checkout (bin/gather.js → tools/cli.ts)
// provides them, and a production install refuses each in one line that says what it needs.
import { CommandError } from '../command-error.ts';
import type { Migration } from '../db/migrate/files.ts';
import type { Cli, GatherCommand } from './program.ts';

export type MigrateOptions = Readonly<{ name: string; renames: readonly string[]; dropAndCreate: boolean }>;

export type DevTime = Readonly<{
  /** Adds the benchmark scenarios under `gather bench`. */
  registerBench(bench: GatherCommand, cli: Cli): void;
  /** `gather db migrate`: writes (and prints) the next migration; undefined when the schema has no changes. */
  migrate(options: MigrateOptions): Promise<Migration | undefined>;
  /** `gather db check`: the SQL no migration captures yet (empty when the schema matches the last one). */
  uncaptured(): Promise<string[]>;
  /** Mermaid text → SVG, drawn by Mermaid in headless Chromium. */
  renderSvg(diagram: string): Promise<string>;
}>;

/** What each dev-time command needs, for the line a production install prints instead of running it. */
export const DEV_TIME_NEEDS = {
  'gather bench': 'the bench/ folder and the devDependencies (autocannon)',
  'gather db migrate': 'drizzle-kit (a devDependency)',
  'gather db check': 'drizzle-kit (a devDependency)',
  'gather db init-db (with no migrations yet)': 'drizzle-kit (a devDependency)',
  'gather trace --format svg': 'playwright-core (a devDependency) and Chromium',
} as const;

export type DevTimeCommand = keyof typeof DEV_TIME_NEEDS;

export function devTimeRefusal(command: DevTimeCommand): CommandError {
  return new CommandError(
    `${command} is a dev-time command: it needs ${DEV_TIME_NEEDS[command]}, which this install does not ` +
      'have; run it in a source checkout after `npm install` (the README says which commands ship)',
  );
}

/** `command` (and whatever follows it on the command line) answers with the one-line refusal. */
export function refuseDevTime(command: GatherCommand, label: DevTimeCommand): void {
  command
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw devTimeRefusal(label);
    });
}
