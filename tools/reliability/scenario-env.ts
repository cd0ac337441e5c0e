// The environment every reliability scenario starts `gather serve` with, the PostgreSQL server it uses, and
// how it prepares a database with the `gather` commands a user runs.
import { runGather } from '../harness/server-process.ts';

/** The shared PostgreSQL server (DATABASE_URL, or the local test server) that scenarios create databases on. */
export const SHARED_POSTGRES = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A JWT secret shared by every process of a scenario, so that tokens survive restarts and instances. */
export const SCENARIO_JWT_SECRET = 'reliability-secret-reliability-secret-0123456789';

/** Quiet logs, no traces, no rate limits in the way, no Redis unless a scenario names one. */
export function scenarioEnv(extra: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    GATHER_TRACE: '0',
    GATHER_METRICS: '0',
    JWT_SECRET: SCENARIO_JWT_SECRET,
    LOGIN_FAILURES_PER_ACCOUNT: '1000000/1m',
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS: '1000000/1m',
    LOGIN_FAILURES_PER_ADDRESS: '1000000/1m',
    REGISTRATIONS_PER_ADDRESS: '1000000/1m',
    REDIS_URL: '',
    ...extra,
  };
}

/** Runs each `gather` command (e.g. ['db', 'upgrade'], ['seed']) in turn with `env`; throws when one fails. */
export async function gatherSteps(env: Record<string, string>, ...steps: string[][]): Promise<void> {
  for (const args of steps) {
    const step = await runGather(args, { env });
    if (step.code !== 0) throw new Error(`gather ${args.join(' ')}: ${step.stderr}`);
  }
}
