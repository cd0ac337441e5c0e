// What every feature receives: named dependencies, built once (boot.ts, app.ts).
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { Database } from '../db/client.ts';
import type { TokenService } from '../http/auth.ts';
import type { Queries } from './queries.ts';
import type { Passwords } from './users/password.ts';

export type Deps = Readonly<{
  database: Database;
  queries: Queries;
  passwords: Passwords;
  tokens: TokenService;
  /** What registration and login declare as their `config.rateLimit`. */
  authAttemptLimit: RateLimitOptions;
}>;
