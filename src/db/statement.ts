// The one way features reach the database.
//
// Every statement of a feature is built once, in its create…Queries(db), with `sql.placeholder(name)` for
// each value, and prepared here under a name unique across Gather:
//
//   const byId = prepare<UserRow>(db, 'user_by_id', db.select(aliased({ … })).from(users).where(…));
//   const [row] = await byId({ id });
//
// A query builder (select; insert, update or delete with returning) and a hand-written `sql` template (a
// data-modifying CTE that writes in one round trip) are prepared alike: drizzle renders the SQL text once,
// and each call sends that text, by name, with its placeholders' values through the database's query
// pipeline (pipeline.ts), on PGlite and node-postgres alike. Rows come back as the driver decodes them: no
// row mapper runs, so every selected or returned field is aliased to the row type's field name (`aliased()`
// in features/shared/sql.ts, `as "name"` in a template), and timestamps leave PostgreSQL as ISO 8601 text in
// UTC (`isoText()`), never as Date. A partial update is one statement too: `coalesce(placeholder, column)`
// keeps a field that is not given (null), with an explicit flag where a column may be set to null.
import type { SQLWrapper } from 'drizzle-orm';
import type { Db } from './database.ts';
import { is, Param, PgDialect, PgSelectBase, Placeholder } from './orm.ts';
import type { Statement as PipelineStatement, StatementKind } from './pipeline.ts';

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

type Values = Readonly<Record<string, unknown>>;

/** Where one parameter's value comes from: a placeholder's value (through its column's encoder), or a constant. */
function parameterOf(param: unknown): (values: Values) => unknown {
  const placeholderValue = (name: string) => (values: Values) => {
    if (!(name in values)) throw new Error(`No value for placeholder "${name}" was provided`);
    return values[name];
  };
  if (is(param, Placeholder)) return placeholderValue(param.name);
  if (is(param, Param) && is(param.value, Placeholder)) {
    const value = placeholderValue(param.value.name);
    return (values) => param.encoder.mapToDriverValue(value(values));
  }
  return () => param;
}

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
  const { sql: text, params } = dialect.sqlToQuery(query.getSQL());
  const statement: PipelineStatement = { text, name, kind, keepText: true };
  const parameters = params.map(parameterOf);
  const { run } = db.$client;
  return async (values = {}) =>
    (
      await run(
        statement,
        parameters.map((parameter) => parameter(values)),
      )
    ).rows as Row[];
}
