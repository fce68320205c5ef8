/**
 * The storage foundation: one TypeORM DataSource on embedded SQLite (better-sqlite3, the default) or
 * PostgreSQL (DATABASE_URL=postgres://…), migrated on open with the entities and migrations the caller
 * hands over (the composition root's list, src/schema.ts; storage has none of its own). Data-access
 * modules of every domain go through `Database.read()` / `Database.transaction()`, which
 *  - map connection failures to DatabaseUnavailableError in one place (errors.ts), and
 *  - on SQLite, make the single shared connection safe for concurrent async callers, and run SQL
 *    through a prepared-statement cache instead of TypeORM's query runner (sqlite-statements.ts says why).
 *
 * Why the SQLite lock: better-sqlite3 gives ONE connection for the whole process, so a plain read
 * issued while a write transaction is open would see its uncommitted rows, and two concurrent
 * transactions would interleave their statements in one. `Database` therefore holds an in-process read/write lock: readers
 * share the connection, a write transaction is exclusive. Write transactions start with
 * `BEGIN IMMEDIATE`, so that a second process on the same file (the import CLI, cluster workers)
 * waits for the write lock under busy_timeout at BEGIN, instead of failing with SQLITE_BUSY_SNAPSHOT
 * when a read-then-write transaction tries to upgrade.
 *
 * The hot paths use programs instead (sqlite-thread.ts): `db.write(program, input)` for pushes, the
 * audit trail and the outbox, and `db.readProgram(program, input)` for SearchPersonnel's page. On SQLite
 * they run on the database thread, with its own connection, so that a COMMIT's fsync does not stall the
 * event loop and the hot reads share the writes' page cache. This thread's `transaction()` and the
 * database thread take turns through a lock in shared memory.
 *
 * Never use `dataSource.transaction()` / `dataSource.manager` for writes directly on SQLite — use
 * `db.transaction()` or `db.write()`. Inside a `db.transaction()` callback use the SqlRunner it passes; a nested
 * `db.read()`/`db.transaction()` in the same async context reuses that transaction instead of deadlocking.
 */
import path from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, type DataSourceOptions, type EntitySchema, type MigrationInterface } from 'typeorm';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ensurePrivateDir, ensurePrivateFile } from '../private-files.js';
import { guard, mapDatabaseError } from './errors.js';
import { RwLock } from './rw-lock.js';
import { applySqlitePragmas, type PragmaTarget } from './sqlite-connection.js';
import { SqliteStatements, type SqliteConnection } from './sqlite-statements.js';
import { SqliteThread, ThreadWriteLock, type DbProgram } from './sqlite-thread.js';
import type { Engine, SqlRunner } from './sql.js';

export type { Engine, SqlRunner } from './sql.js';

type MigrationClass = new () => MigrationInterface;

export interface Database {
  readonly engine: Engine;
  readonly dataSource: DataSource;
  /** Where it points, without credentials, e.g. `sqlite:/data/producer.sqlite` or `postgres://host:5432/db`. */
  readonly description: string;
  /**
   * Read-only work outside any write transaction. On SQLite it never observes another caller's
   * uncommitted writes. Connection failures become DatabaseUnavailableError.
   */
  read<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * One write transaction, committed when `work` resolves, rolled back when it throws.
   * SQLite: serialised in-process, BEGIN IMMEDIATE. PostgreSQL: a pooled connection, READ COMMITTED
   * unless `isolation` says otherwise. Connection failures become DatabaseUnavailableError.
   */
  transaction<T>(work: (sql: SqlRunner) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * One write transaction whose body is a write program (sqlite-thread.ts): plain data in and out.
   * On SQLite it runs on the database thread, so its COMMIT's fsync does not stall the event loop; on
   * PostgreSQL, whose commits never block this thread, it is `transaction()`. For the hot write
   * paths: pushes, the audit trail, the outbox.
   */
  write<I, O>(program: DbProgram<I, O>, input: I, options?: WriteOptions): Promise<O>;
  /**
   * A read whose body is a program: on SQLite it runs on the database thread, outside any transaction,
   * where the page cache stays warm across the hot writes (sqlite-thread.ts says why). PostgreSQL: `read()`.
   */
  readProgram<I, O>(program: DbProgram<I, O>, input: I): Promise<O>;
  /** True when the database answers a trivial query (for /health/ready and PingForConfiguration). Never throws. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface WriteOptions {
  /**
   * false: this commit need not survive a power loss (it is never half-applied, and the next durable
   * commit makes it durable too): SQLite `synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`, for
   * this transaction only. Only for bookkeeping whose loss merely repeats work, such as the outbox's
   * claims and delivery marks (a lost one means a notification is delivered again, which at-least-once
   * delivery allows after a failure); never for anything answered to a caller. Inside an enclosing
   * transaction the program takes that transaction's durability. Default true.
   */
  readonly durable?: boolean;
}

interface TransactionOptions {
  readonly isolation?: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';
}

/**
 * What the database holds: entity schemas and migrations. Storage has no list of its own; the
 * composition root hands it the one ordered list of every domain's (src/schema.ts).
 */
export interface DatabaseSchema {
  /** Entity schemas to register (explicit column types). */
  readonly entities: readonly EntitySchema<any>[];
  /** Migrations, in the order they run. */
  readonly migrations: readonly MigrationClass[];
}

export interface OpenDatabaseOptions extends DatabaseSchema {
  /** Run pending migrations on open (default true). */
  readonly migrate?: boolean;
  /** PostgreSQL schema to use (created if missing; also the connections' search_path). Tests use one per file. */
  readonly pgSchema?: string;
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
  /** SQLite busy timeout in ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

/** `benchNoDurability`: `npm run bench`'s durability-off points only (config.ts refuses it anywhere else). */
export type DatabaseConfig = Pick<Config, 'dataDir' | 'databaseUrl'> & Partial<Pick<Config, 'benchNoDurability'>>;

const SQLITE_FILE = 'producer.sqlite';
/** Key of the session advisory lock that serialises migrations between instances on one PostgreSQL. */
const MIGRATION_LOCK_KEY = 7_374_201;

function engineOf(config: DatabaseConfig): Engine {
  const url = config.databaseUrl;
  if (url === undefined || url === '') return 'sqlite';
  if (/^postgres(?:ql)?:\/\//i.test(url)) return 'postgres';
  throw new Error(`DATABASE_URL must be a postgres:// URL (unset means embedded SQLite), got ${redactUrl(url)}`);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

export async function openDatabase(config: DatabaseConfig, logger: Logger, options: OpenDatabaseOptions): Promise<Database> {
  const engine = engineOf(config);
  const entities = [...options.entities];
  const migrations = [...options.migrations];
  const common = {
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false as const,
  };
  let dsOptions: DataSourceOptions;
  let description: string;
  const file = path.resolve(config.dataDir, SQLITE_FILE);
  const busy = options.busyTimeoutMs ?? 5000;
  const durable = config.benchNoDurability !== true;
  if (engine === 'sqlite') {
    // Owner only: created 0600 before SQLite opens it, so its -wal and -shm files are 0600 too.
    ensurePrivateDir(config.dataDir, logger);
    ensurePrivateFile(file, logger);
    description = `sqlite:${file}`;
    dsOptions = {
      ...common,
      type: 'better-sqlite3',
      database: file,
      timeout: busy,
      prepareDatabase: (raw: PragmaTarget) => applySqlitePragmas(raw, busy, durable),
    };
  } else {
    const url = config.databaseUrl as string;
    description = redactUrl(url);
    const schema = options.pgSchema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`bad PostgreSQL schema name ${schema}`);
    // Session settings: the URL's own `options` parameter, then ours. They are passed as one `options`,
    // without the URL's copy, since node-postgres lets a URL parameter override the pool's settings.
    const { url: poolUrl, options: urlOptions } = splitSessionOptions(url);
    const sessionOptions = [
      ...(urlOptions ? [urlOptions] : []),
      ...(schema ? [`-c search_path=${schema}`] : []),
      ...(durable ? [] : ['-c synchronous_commit=off']),
    ];
    dsOptions = {
      ...common,
      type: 'postgres',
      url: poolUrl,
      ...(schema ? { schema } : {}),
      poolErrorHandler: (err: unknown) =>
        logger.warn({ err: describeError(err) }, 'database: idle PostgreSQL connection lost; the pool replaces it'),
      extra: {
        max: options.poolSize ?? 10,
        connectionTimeoutMillis: 5000,
        idleTimeoutMillis: 30000,
        keepAlive: true,
        application_name: 'riv-producer',
        ...(sessionOptions.length > 0 ? { options: sessionOptions.join(' ') } : {}),
      },
    };
  }

  const dataSource = new DataSource(dsOptions);
  try {
    if (engine === 'postgres' && options.pgSchema) await createPgSchema(config.databaseUrl as string, options.pgSchema);
    await dataSource.initialize();
  } catch (err) {
    throw mapDatabaseError(err);
  }
  const db =
    engine === 'sqlite'
      ? new SqliteDatabase(dataSource, description, { file, busyTimeoutMs: busy, durable })
      : new PostgresDatabase(dataSource, description);
  if (options.migrate ?? true) {
    try {
      await runMigrations(db, logger);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw mapDatabaseError(err);
    }
  }
  if (durable) logger.info({ database: description, engine }, 'database: open');
  else logger.warn({ database: description, engine }, 'database: open WITHOUT durable commits (npm run bench only)');
  return db;
}

/** A postgres:// URL without its `options` query parameter, and that parameter. */
function splitSessionOptions(url: string): { url: string; options: string | undefined } {
  try {
    const u = new URL(url);
    const options = u.searchParams.get('options') ?? undefined;
    if (options === undefined) return { url, options };
    u.searchParams.delete('options');
    return { url: u.toString(), options };
  } catch {
    return { url, options: undefined }; // the driver reports an unusable URL itself
  }
}

async function createPgSchema(url: string, schema: string): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url, extra: { max: 1, connectionTimeoutMillis: 5000 } });
  await ds.initialize();
  try {
    await ds.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await ds.destroy();
  }
}

/** Runs pending migrations; on PostgreSQL under a session advisory lock so concurrent instances take turns. */
async function runMigrations(db: Database, logger: Logger): Promise<void> {
  const ds = db.dataSource;
  if (db.engine === 'postgres') {
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const done = await ds.runMigrations({ transaction: 'each' });
      for (const m of done) logger.info({ migration: m.name }, 'database: migration applied');
    } finally {
      await qr.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await qr.release();
    }
  } else {
    // One writer at a time anyway (BEGIN IMMEDIATE); cluster mode should migrate in the primary before forking.
    const done = await db.transaction(async () => ds.runMigrations({ transaction: 'none' }));
    for (const m of done) logger.info({ migration: m.name }, 'database: migration applied');
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${(err as { code?: string }).code ?? err.name}: ${err.message}`;
  return String(err);
}

abstract class BaseDatabase implements Database {
  abstract readonly engine: Engine;
  /** The transaction manager of the current async context, if inside db.transaction(). */
  protected readonly current = new AsyncLocalStorage<SqlRunner>();
  private closed = false;

  constructor(
    readonly dataSource: DataSource,
    readonly description: string,
  ) {}

  abstract read<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
  abstract transaction<T>(work: (sql: SqlRunner) => Promise<T>, options?: TransactionOptions): Promise<T>;

  write<I, O>(program: DbProgram<I, O>, input: I, options?: WriteOptions): Promise<O> {
    const relax = options?.durable === false && this.engine === 'postgres' && !this.current.getStore();
    return this.transaction(async (sql) => {
      if (relax) await sql.query('SET LOCAL synchronous_commit = off');
      return program.run(sql, input);
    });
  }

  readProgram<I, O>(program: DbProgram<I, O>, input: I): Promise<O> {
    return this.read((sql) => program.run(sql, input));
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      await this.read((m) => m.query('SELECT 1'));
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

class SqliteDatabase extends BaseDatabase {
  readonly engine = 'sqlite' as const;
  private readonly databaseThread: SqliteThread;
  private readonly lock = new RwLock();
  /** Shared with the database thread: one write transaction at a time in this process. */
  private readonly threadLock = new ThreadWriteLock();
  private readonly statements: SqliteStatements;

  constructor(dataSource: DataSource, description: string, connection: { readonly file: string; readonly busyTimeoutMs: number; readonly durable: boolean }) {
    super(dataSource, description);
    this.databaseThread = new SqliteThread({ ...connection, lock: this.threadLock.buffer });
    // TypeORM's sqlite query runner begins transactions with a DEFERRED "BEGIN TRANSACTION"; make them
    // IMMEDIATE (see the header comment). The better-sqlite3 driver hands out one shared query runner.
    // Only TypeORM's own work (migrations) still goes through it; our SQL uses `statements`.
    const qr = dataSource.createQueryRunner() as unknown as { query: (q: string, ...rest: unknown[]) => Promise<unknown> };
    const original = qr.query.bind(qr);
    qr.query = (q: string, ...rest: unknown[]) => original(q === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : q, ...rest);
    this.statements = new SqliteStatements((dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection);
  }

  override write<I, O>(program: DbProgram<I, O>, input: I, options?: WriteOptions): Promise<O> {
    return this.onDatabaseThread(program, input, false, options?.durable !== false);
  }

  override readProgram<I, O>(program: DbProgram<I, O>, input: I): Promise<O> {
    return this.onDatabaseThread(program, input, true);
  }

  private onDatabaseThread<I, O>(program: DbProgram<I, O>, input: I, read: boolean, durable = true): Promise<O> {
    // Inside a transaction of this thread the program joins it, as a nested transaction() would (the
    // database thread would wait for this transaction's lock forever).
    const inTx = this.current.getStore();
    return inTx ? program.run(inTx, input) : this.databaseThread.run(program, input, read, durable);
  }

  read<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    const inTx = this.current.getStore();
    if (inTx) return work(inTx);
    // Promise chaining rather than async/await: this wraps every read, and each await is measurable here.
    const run = (): Promise<T> => {
      let pending: Promise<T>;
      try {
        pending = work(this.statements);
      } catch (err) {
        pending = Promise.reject(err);
      }
      return pending.then(
        (value) => {
          this.lock.release(false);
          return value;
        },
        (err: unknown) => {
          this.lock.release(false);
          throw mapDatabaseError(err);
        },
      );
    };
    if (this.lock.tryAcquire(false)) return run();
    return this.lock.acquire(false).then(run);
  }

  async transaction<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    const inTx = this.current.getStore();
    if (inTx) return work(inTx);
    await this.lock.acquire(true);
    try {
      await this.threadLock.acquire();
      try {
        this.statements.run('BEGIN IMMEDIATE');
        let result: T;
        try {
          result = await this.current.run(this.statements, () => work(this.statements));
          this.statements.run('COMMIT');
        } catch (err) {
          if (this.statements.inTransaction) this.statements.run('ROLLBACK');
          throw err;
        }
        return result;
      } finally {
        this.threadLock.release();
      }
    } catch (err) {
      throw mapDatabaseError(err);
    } finally {
      this.lock.release(true);
    }
  }

  override async close(): Promise<void> {
    await this.databaseThread.close();
    await super.close();
  }
}

class PostgresDatabase extends BaseDatabase {
  readonly engine = 'postgres' as const;

  async read<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    const inTx = this.current.getStore();
    if (inTx) return work(inTx);
    return guard(() => work(this.dataSource.manager));
  }

  async transaction<T>(work: (sql: SqlRunner) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const inTx = this.current.getStore();
    if (inTx) return work(inTx);
    const run = (manager: SqlRunner) => this.current.run(manager, () => work(manager));
    return guard(() =>
      options?.isolation ? this.dataSource.transaction(options.isolation, run) : this.dataSource.transaction(run),
    );
  }
}
