// The PostgreSQL server the benchmarks and labs work on: DATABASE_URL, or the local test server. Each makes a
// schema or a database of its own there.
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export const postgresServerUrl = (): string => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
