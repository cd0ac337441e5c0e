// End-to-end: starts `gather serve` as a user would (its own process, a port, a fresh database) and runs the
// official RealWorld Postman collection against it with newman. Exit code 0 only with 0 failed assertions.
// PGlite by default; with DATABASE_URL, a fresh PostgreSQL database that is dropped afterwards.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import newman from 'newman';
import { scratchDatabase } from './harness/scratch-database.ts';
import { startGather } from './harness/server-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const collection =
  process.env.POSTMAN_COLLECTION ?? join(root, 'test/realworld/Conduit.postman_collection.json');

function runNewman(apiUrl: string): Promise<{ assertions: number; failed: number; requests: number }> {
  const suffix = randomBytes(3).toString('hex');
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection,
        reporters: ['cli'],
        delayRequest: 0,
        environment: {
          values: [
            { key: 'APIURL', value: apiUrl, enabled: true },
            { key: 'USERNAME', value: `e2e${suffix}`, enabled: true },
            { key: 'EMAIL', value: `e2e${suffix}@example.com`, enabled: true },
            { key: 'PASSWORD', value: 'password123', enabled: true },
          ],
        } as never,
      },
      (error, summary) => {
        if (error) return reject(error);
        const stats = summary.run.stats;
        resolve({
          assertions: stats.assertions.total ?? 0,
          failed:
            (stats.assertions.failed ?? 0) +
            (stats.testScripts.failed ?? 0) +
            summary.run.failures.length * 0,
          requests: stats.requests.total ?? 0,
        });
      },
    );
  });
}

const dataDir = await mkdtemp(join(tmpdir(), 'gather-e2e-'));
const postgres = process.env.DATABASE_URL
  ? await scratchDatabase(process.env.DATABASE_URL, 'gather_e2e')
  : undefined;
const server = await startGather({
  args: ['--migrate'],
  env: {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    GATHER_DATA_DIR: dataDir,
    DATABASE_URL: postgres?.url ?? '',
  },
});
let exitCode = 1;
try {
  const result = await runNewman(`${server.url}/api`);
  console.log(
    `newman (${postgres ? 'PostgreSQL' : 'PGlite'}): ${result.requests} requests, ` +
      `${result.assertions} assertions, ${result.failed} failed`,
  );
  exitCode = result.failed === 0 && result.assertions > 0 ? 0 : 1;
} finally {
  await server.stop();
  if (exitCode !== 0) console.error(`gather serve output:\n${server.output()}`);
  await postgres?.drop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
