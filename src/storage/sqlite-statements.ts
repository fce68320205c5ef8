/**
 * The SQLite statement path: every `db.read()` / `db.transaction()` callback on SQLite runs its SQL
 * here, on better-sqlite3's connection with a cache of prepared statements, not through TypeORM's
 * query runner.
 *
 * Why, measured in the server under load (docs/performance.md): GetDiagnosis with its one primary-key
 * read through TypeORM's query runner served ~2,000 req/s, and ~3,400 with the same read on a raw
 * prepared statement; about 0.2 ms per call went to the runner's async chain (EntityManager →
 * DataSource → QueryRunner, broadcaster hooks), not to SQLite. TypeORM stays for what it is good at
 * here: the DataSource, migrations and PostgreSQL.
 *
 * Results and errors match TypeORM's better-sqlite3 runner, so callers see no difference: a
 * statement that returns rows (SELECT, or anything with RETURNING) gives the rows; any other gives
 * the last inserted rowid; booleans are bound as 0/1; a failure is a TypeORM QueryFailedError whose
 * `driverError` is better-sqlite3's error (errors.ts maps it).
 */
import { QueryFailedError } from 'typeorm';
import type { SqlRunner } from './sql.js';

/** The part of better-sqlite3's Database this uses (the package ships no types; these are its documented API). */
export interface SqliteConnection {
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
}

interface SqliteStatement {
  readonly reader: boolean;
  all(...parameters: unknown[]): unknown[];
  run(...parameters: unknown[]): { lastInsertRowid: number | bigint };
}

/** Distinct SQL texts kept prepared. Our SQL is written in code, so a few hundred cover every statement. */
const STATEMENT_CACHE_SIZE = 500;

export class SqliteStatements implements SqlRunner {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly connection: SqliteConnection) {}

  /** Runs one statement now (synchronously) and returns its result as a promise, like TypeORM's `query`. */
  query(sql: string, parameters: readonly unknown[] = []): Promise<any> {
    try {
      return Promise.resolve(this.run(sql, parameters));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The synchronous form, for transaction control. Throws QueryFailedError. */
  run(sql: string, parameters: readonly unknown[] = []): unknown {
    const bound = parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
    try {
      const statement = this.prepared(sql);
      return statement.reader ? statement.all(...bound) : statement.run(...bound).lastInsertRowid;
    } catch (err) {
      throw new QueryFailedError(sql, bound, err as Error);
    }
  }

  /** True while the connection has an open transaction (used to roll back after a failed COMMIT). */
  get inTransaction(): boolean {
    return this.connection.open && this.connection.inTransaction;
  }

  private prepared(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.connection.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value as string);
    } else {
      // Least recently used goes first: a hit moves the statement to the end of the Map's order.
      this.statements.delete(sql);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}
