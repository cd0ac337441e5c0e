// What every feature receives: named dependencies, built once (boot.ts, app.ts).
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { Database } from '../db/database.ts';
import type { TokenService } from '../http/auth.ts';
import type { LoginThrottle } from '../http/login-throttle.ts';
import type { Instrument } from '../instrument.ts';
import type { Queries } from './queries.ts';
import type { Passwords } from './users/password.ts';
import type { Sessions } from './users/sessions.ts';

export type Deps = Readonly<{
  database: Database;
  queries: Queries;
  passwords: Passwords;
  tokens: TokenService;
  /** The check every token passes (a password or email change ends older tokens); told of each change. */
  sessions: Sessions;
  /** What registration declares as its `config.rateLimit`: registrations per client address. */
  registrationLimit: RateLimitOptions;
  /** Failed logins per account and per client address; login runs its password check through it. */
  loginThrottle: LoginThrottle;
  /** The observer's hook (tracing), for what a feature waits on itself: the stream's writes. */
  instrument: Instrument;
}>;
