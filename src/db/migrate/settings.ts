// Where `gather db` finds the TypeScript schema and the migrations folder: the "gather" key of the
// project's package.json, as aerich keeps its settings in pyproject.toml.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MigrationError } from './migration-error.ts';

export type MigrationSettings = Readonly<{
  /** Relative to the project folder, exactly as written in package.json. */
  schema: string;
  migrations: string;
}>;

export const DEFAULT_SETTINGS: MigrationSettings = {
  schema: 'src/db/schema/index.ts',
  migrations: 'src/db/migrations',
};

export type ResolvedSettings = Readonly<{ schemaPath: string; migrationsDir: string }>;

async function readPackageJson(projectDir: string): Promise<Record<string, unknown>> {
  const path = join(projectDir, 'package.json');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new MigrationError(`no package.json in ${projectDir}`);
    throw error;
  });
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MigrationError(`${path} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function settingsOf(packageJson: Record<string, unknown>): MigrationSettings | undefined {
  const raw = packageJson.gather;
  if (raw === undefined) return undefined;
  const value = raw as Partial<Record<keyof MigrationSettings, unknown>>;
  for (const key of ['schema', 'migrations'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'string') {
      throw new MigrationError(`package.json "gather.${key}" must be a path string`);
    }
  }
  return {
    schema: (value.schema as string | undefined) ?? DEFAULT_SETTINGS.schema,
    migrations: (value.migrations as string | undefined) ?? DEFAULT_SETTINGS.migrations,
  };
}

/** The settings of the project in `projectDir`; the defaults when package.json has no "gather" key. */
export async function readSettings(projectDir: string): Promise<ResolvedSettings> {
  const settings = settingsOf(await readPackageJson(projectDir)) ?? DEFAULT_SETTINGS;
  return {
    schemaPath: resolve(projectDir, settings.schema),
    migrationsDir: resolve(projectDir, settings.migrations),
  };
}

/** Writes the "gather" key; leaves package.json untouched when it already says the same. */
export async function writeSettings(
  projectDir: string,
  wanted: Partial<MigrationSettings>,
): Promise<{ settings: MigrationSettings; changed: boolean }> {
  const packageJson = await readPackageJson(projectDir);
  const current = settingsOf(packageJson);
  const settings: MigrationSettings = {
    schema: wanted.schema ?? current?.schema ?? DEFAULT_SETTINGS.schema,
    migrations: wanted.migrations ?? current?.migrations ?? DEFAULT_SETTINGS.migrations,
  };
  const stored = packageJson.gather as Record<string, unknown> | undefined;
  if (stored?.schema === settings.schema && stored?.migrations === settings.migrations) {
    return { settings, changed: false };
  }
  packageJson.gather = { ...stored, ...settings };
  await writeFile(join(projectDir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  return { settings, changed: true };
}
