// The one way features reach the database.
//
// Every statement of a feature is built once, in its create…Queries(db), with `sql.placeholder(name)` for
// each value, and prepared here under a name unique across Gather:
//
//   const byId = prepare<UserRow>(db, 'user_by_id', db.select(aliased({ … })).from(users).where(…));
//   const [row] = await byId({ id });
//
// A query builder (select; insert, update or delete with returning) and a hand-written `sql` template (a
// data-modifying CTE that writes in one round trip) are prepared alike, by the call the builders' own
// `.prepare(name)` makes (drizzle's session `prepareQuery`), on PGlite and node-postgres alike.
// Rows come back as the driver decodes them, through the prepared statement's `.all()`: no generic row
// mapper runs, so every selected or returned field is aliased to the row type's field name (`aliased()` in
// features/shared/sql.ts, `as "name"` in a template), and timestamps leave PostgreSQL as ISO 8601 text in
// UTC (`isoText()`), never as Date. A partial update is one statement too: `coalesce(placeholder, column)`
// keeps a field that is not given (null), with an explicit flag where a column may be set to null.
import type { SQLWrapper } from 'drizzle-orm';
import { type Db, STATEMENT_KIND, type StatementKind } from './client.ts';
import { is, PgDialect, PgSelectBase } from './orm.ts';

/**
 * What a statement does, declared by how it is built: a select builder without a locking clause only reads
 * (a read replica may serve it, db/replicas.ts); anything else (insert, update, delete, a template such as a
 * data-modifying CTE, select … for update) is a write and goes to the primary.
 */
function kindOf(query: SQLWrapper): StatementKind {
  if (!is(query, PgSelectBase)) return 'write';
  const { lockingClause } = (query as unknown as { config: { lockingClause?: unknown } }).config;
  return lockingClause === undefined ? 'read' : 'write';
}

/** A prepared statement: its placeholders' values in, the rows out. */
export type Statement<Row> = (values?: Readonly<Record<string, unknown>>) => Promise<Row[]>;

/** What both drivers' prepared statements have (drizzle declares `all` internal: it is on each driver's class). */
type RawRowsStatement = { all(values: Readonly<Record<string, unknown>>): Promise<unknown[]> };

// Renders SQL to text and parameters; the schema names every column explicitly, so no casing option applies.
const dialect = new PgDialect();

/** Prepares `query` once under `name`; each call runs it and returns its rows typed as `Row` (`never` for a
 * statement that returns none). `kind` is what the builder declares unless a read must be 'current'. */
export function prepare<Row>(
  db: Db,
  name: string,
  query: SQLWrapper,
  kind: StatementKind = kindOf(query),
): Statement<Row> {
  const statement = db._.session.prepareQuery(
    dialect.sqlToQuery(query.getSQL()),
    undefined,
    name,
    false,
  ) as unknown as RawRowsStatement & { rawQueryConfig?: Record<string, unknown> };
  // Both drivers hand this config to the client on every run: node-postgres's router reads the kind from it,
  // and a name makes the statement a named prepared one on PGlite's thread as on node-postgres (where drizzle
  // has already set it).
  if (statement.rawQueryConfig !== undefined) {
    statement.rawQueryConfig[STATEMENT_KIND] = kind;
    statement.rawQueryConfig.name ??= name;
  }
  return (values = {}) => statement.all(values) as Promise<Row[]>;
}
