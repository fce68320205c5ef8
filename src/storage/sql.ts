/**
 * The SQL vocabulary every data-access module shares: the engines, what a statement runs on, and the `?`
 * parameter style. A leaf module (it imports nothing of ours), so the database, its threads and the
 * modules they run can all use it without importing each other.
 */

export type Engine = 'sqlite' | 'postgres';

/**
 * What `read()` and `transaction()` callbacks get: one SQL statement at a time, written with sqlFor().
 * Rows for a statement that returns rows. On SQLite it is the statement cache in sqlite-statements.ts;
 * on PostgreSQL it is TypeORM's EntityManager (pooled connection, or the transaction's).
 */
export interface SqlRunner {
  query(sql: string, parameters?: readonly unknown[]): Promise<any>;
}

/**
 * Raw SQL in the storage modules is written with `?` for every parameter; this returns the function that
 * turns such text into the engine's form: PostgreSQL's `$1, $2, …`, or unchanged for SQLite. (No
 * statement of ours contains a literal `?` otherwise.)
 */
export function sqlFor(engine: Engine): (text: string) => string {
  if (engine !== 'postgres') return (text) => text;
  return (text) => {
    let i = 0;
    return text.replace(/\?/g, () => `$${++i}`);
  };
}
