// What every feature receives: named dependencies, built once in buildApp.
import type { Database, Db } from '../db/client.ts';
import type { AuthHooks, TokenService } from './auth.ts';

export type Deps = Readonly<{
  database: Database;
  db: Db;
  tokens: TokenService;
  auth: AuthHooks;
}>;
