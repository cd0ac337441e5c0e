// The environment every reliability scenario starts `gather serve` with, and the PostgreSQL server it uses.

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
    LOGIN_FAILURES_PER_ADDRESS: '1000000/1m',
    REGISTRATIONS_PER_ADDRESS: '1000000/1m',
    REDIS_URL: '',
    ...extra,
  };
}
