/**
 * The SQLite statement path (src/storage/sqlite-statements.ts) and SqliteDatabase.read()/transaction()
 * on top of it: results and errors shaped like TypeORM's better-sqlite3 runner, the prepared-statement
 * cache, and the in-process read/write lock (readers never see a transaction's uncommitted rows).
 * SQLite only: PostgreSQL does not use this path.
 */
import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { QueryFailedError } from 'typeorm';
import { SqliteStatements, type SqliteConnection } from '../src/storage/sqlite-statements.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { DatabaseUnavailableError } from '../src/storage/errors.js';
import { silentLogger } from './helpers/engines.js';

// better-sqlite3 ships no types; the project declares the part it uses (SqliteConnection).
const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as new (file: string, options?: { timeout?: number }) => SqliteConnection & {
  exec(sql: string): void;
  close(): void;
};

/** A fresh in-memory connection with a table to write to, and a spy on prepare(). */
function connection() {
  const raw = new BetterSqlite3(':memory:');
  raw.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, flag INTEGER)');
  const prepared: string[] = [];
  const spy: SqliteConnection = {
    get open() {
      return raw.open;
    },
    get inTransaction() {
      return raw.inTransaction;
    },
    prepare(sql: string) {
      prepared.push(sql);
      return raw.prepare(sql);
    },
  };
  return { raw, spy, prepared };
}

/** Runs `work` on a fresh connection and a SqliteStatements over it, then closes the connection. */
async function withStatements(
  work: (c: ReturnType<typeof connection> & { s: SqliteStatements }) => Promise<void>,
): Promise<void> {
  const c = connection();
  try {
    await work({ ...c, s: new SqliteStatements(c.spy) });
  } finally {
    if (c.raw.open) c.raw.close();
  }
}

function isSqliteQueryFailure(code: string | RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof QueryFailedError, `expected QueryFailedError, got ${String(e)}`);
    const driverCode = (e.driverError as { code?: unknown }).code;
    assert.equal(typeof driverCode, 'string');
    assert.match(driverCode as string, /^SQLITE_/);
    if (typeof code === 'string') assert.equal(driverCode, code);
    else assert.match(driverCode as string, code);
    return true;
  };
}

describe('SqliteStatements', () => {
  it('returns rows for SELECT, the last rowid for a plain INSERT, and rows for INSERT … RETURNING', async () => {
    await withStatements(async ({ s }) => {
      assert.equal(await s.query('INSERT INTO item (name, flag) VALUES (?, ?)', ['a', 7]), 1);
      assert.equal(await s.query('INSERT INTO item (name, flag) VALUES (?, ?)', ['b', 8]), 2);
      assert.deepEqual(await s.query('INSERT INTO item (name, flag) VALUES (?, ?) RETURNING id, name', ['c', 9]), [{ id: 3, name: 'c' }]);
      assert.deepEqual(await s.query('SELECT id, name, flag FROM item ORDER BY id'), [
        { id: 1, name: 'a', flag: 7 },
        { id: 2, name: 'b', flag: 8 },
        { id: 3, name: 'c', flag: 9 },
      ]);
      assert.deepEqual(await s.query('SELECT name FROM item WHERE id = ?', [42]), [], 'no rows is an empty array');
      // UPDATE is not a reader either: it answers the (unchanged) last inserted rowid, as TypeORM's runner does
      assert.equal(await s.query('UPDATE item SET flag = 0 WHERE id = ?', [1]), 3);
      // the synchronous form gives the same
      assert.deepEqual(s.run('SELECT count(*) AS n FROM item'), [{ n: 3 }]);
    });
  });

  it('binds booleans as 1/0 (better-sqlite3 itself refuses them)', async () => {
    await withStatements(async ({ raw, s }) => {
      await s.query('INSERT INTO item (name, flag) VALUES (?, ?)', ['yes', true]);
      await s.query('INSERT INTO item (name, flag) VALUES (?, ?)', ['no', false]);
      assert.deepEqual(await s.query('SELECT name, flag, typeof(flag) AS t FROM item ORDER BY id'), [
        { name: 'yes', flag: 1, t: 'integer' },
        { name: 'no', flag: 0, t: 'integer' },
      ]);
      assert.deepEqual(await s.query('SELECT name FROM item WHERE flag = ?', [true]), [{ name: 'yes' }]);
      assert.throws(() => raw.prepare('SELECT ?').all(true), 'sanity: the raw driver cannot bind a boolean');
    });
  });

  it('rejects with QueryFailedError carrying the SQLite error, and never throws synchronously from query()', async () => {
    await withStatements(async ({ s }) => {
      let syntax: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        syntax = s.query('SELEC nonsense');
      });
      await assert.rejects(syntax!, isSqliteQueryFailure('SQLITE_ERROR'));
      await assert.rejects(s.query('SELECT * FROM no_such_table'), isSqliteQueryFailure('SQLITE_ERROR'));
      await s.query('INSERT INTO item (name) VALUES (?)', ['dup']);
      await assert.rejects(s.query('INSERT INTO item (name) VALUES (?)', ['dup']), (e: unknown) => {
        isSqliteQueryFailure('SQLITE_CONSTRAINT_UNIQUE')(e);
        const q = e as QueryFailedError;
        assert.equal(q.query, 'INSERT INTO item (name) VALUES (?)');
        assert.deepEqual(q.parameters, ['dup']);
        assert.equal((q as unknown as { code?: string }).code, 'SQLITE_CONSTRAINT_UNIQUE', 'driver properties copied, as TypeORM does');
        return true;
      });
      await assert.rejects(s.query('INSERT INTO item (name) VALUES (?)', [null]), isSqliteQueryFailure(/^SQLITE_CONSTRAINT/));
      assert.throws(() => s.run('SELEC nonsense'), QueryFailedError, 'run() throws synchronously');
      assert.deepEqual(await s.query('SELECT count(*) AS n FROM item'), [{ n: 1 }], 'the connection is still usable');
    });
  });

  it('prepares each SQL text once', async () => {
    await withStatements(async ({ prepared, s }) => {
      for (let i = 0; i < 5; i++) await s.query('INSERT INTO item (name, flag) VALUES (?, ?)', [`n${i}`, i]);
      for (let i = 0; i < 5; i++) await s.query('SELECT name FROM item WHERE flag = ?', [i]);
      assert.deepEqual(prepared, ['INSERT INTO item (name, flag) VALUES (?, ?)', 'SELECT name FROM item WHERE flag = ?']);
      // a text that failed to prepare is not cached (there is nothing to cache) and fails again
      await assert.rejects(s.query('SELEC 1'), QueryFailedError);
      await assert.rejects(s.query('SELEC 1'), QueryFailedError);
      assert.equal(prepared.filter((q) => q === 'SELEC 1').length, 2);
    });
  });

  it('bounds the cache: after many distinct texts the oldest is prepared again, recent ones are not', async () => {
    await withStatements(async ({ prepared, s }) => {
      const text = (i: number) => `SELECT ${i} AS n`;
      const distinct = 1000; // well above the cache size (500)
      for (let i = 0; i < distinct; i++) assert.deepEqual(await s.query(text(i)), [{ n: i }]);
      assert.equal(prepared.length, distinct);
      await s.query(text(distinct - 1));
      assert.equal(prepared.length, distinct, 'the most recent text is still cached');
      await s.query(text(0));
      assert.equal(prepared.length, distinct + 1, 'the oldest text was evicted and is prepared again');
      assert.equal(prepared.at(-1), text(0));
      // Least recently used, not first prepared: text(501) is now the oldest text in the cache; a hit
      // keeps it, so the next new text evicts text(502) instead.
      const before = prepared.length;
      await s.query(text(501));
      assert.equal(prepared.length, before, 'text(501) was still cached');
      await s.query(text(distinct));
      await s.query(text(501));
      assert.equal(prepared.length, before + 1, 'a text used recently stays cached');
      await s.query(text(502));
      assert.equal(prepared.length, before + 2, 'the least recently used text was evicted');
    });
  });

  it('reports inTransaction from the connection, and false once it is closed', () => {
    const { raw, spy } = connection();
    const s = new SqliteStatements(spy);
    assert.equal(s.inTransaction, false);
    s.run('BEGIN IMMEDIATE');
    assert.equal(s.inTransaction, true);
    s.run('ROLLBACK');
    assert.equal(s.inTransaction, false);
    raw.close();
    assert.equal(s.inTransaction, false);
  });
});

describe('SqliteDatabase on the statement path', () => {
  const dirs: string[] = [];
  const opened: Database[] = [];
  let db: Database;
  let file: string;

  const count = async (name?: string): Promise<number> =>
    Number(
      (
        await db.read((m) =>
          name === undefined ? m.query('SELECT count(*) AS n FROM item') : m.query('SELECT count(*) AS n FROM item WHERE name = ?', [name]),
        )
      )[0].n,
    );

  /** A promise with its resolve function, to hold a transaction open. */
  const gate = () => {
    let open!: () => void;
    const promise = new Promise<void>((r) => (open = r));
    return { promise, open };
  };
  /** Lets pending I/O callbacks, timers of 0 ms and microtasks run a few times. */
  const turns = async (n = 5) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  const settled = (p: Promise<unknown>) => {
    const state = { done: false };
    p.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  beforeEach(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'riv-producer-stmt-'));
    dirs.push(dataDir);
    file = path.join(dataDir, 'producer.sqlite');
    db = await openDatabase({ dataDir, databaseUrl: undefined }, silentLogger, { migrations: [], entities: [] });
    opened.push(db);
    await db.transaction((m) => m.query('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, flag INTEGER)'));
  });
  after(async () => {
    for (const d of opened) await d.close().catch(() => undefined);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('read() and transaction() give the shapes of the statement path', async () => {
    assert.equal(db.engine, 'sqlite');
    const id = await db.transaction((m) => m.query('INSERT INTO item (name, flag) VALUES (?, ?)', ['a', true]));
    assert.equal(id, 1);
    const returned = await db.transaction((m) => m.query('INSERT INTO item (name, flag) VALUES (?, ?) RETURNING id, flag', ['b', false]));
    assert.deepEqual(returned, [{ id: 2, flag: 0 }]);
    assert.deepEqual(await db.read((m) => m.query('SELECT id, name, flag FROM item ORDER BY id')), [
      { id: 1, name: 'a', flag: 1 },
      { id: 2, name: 'b', flag: 0 },
    ]);
    await db.close();
  });

  it('a failing statement rejects with QueryFailedError (a logical error, not DatabaseUnavailableError)', async () => {
    await assert.rejects(
      db.read((m) => m.query('SELEC 1')),
      (e: unknown) => !(e instanceof DatabaseUnavailableError) && isSqliteQueryFailure('SQLITE_ERROR')(e),
    );
    await db.transaction((m) => m.query('INSERT INTO item (name) VALUES (?)', ['dup']));
    await assert.rejects(
      db.transaction((m) => m.query('INSERT INTO item (name) VALUES (?)', ['dup'])),
      (e: unknown) => !(e instanceof DatabaseUnavailableError) && isSqliteQueryFailure('SQLITE_CONSTRAINT_UNIQUE')(e),
    );
    // the lock was released both times
    assert.equal(await count(), 1);
    assert.equal(await db.transaction(async (m) => (await m.query('SELECT count(*) AS n FROM item'))[0].n), 1);
    await db.close();
  });

  it('a read callback that throws synchronously rejects and releases the lock', async () => {
    await assert.rejects(
      db.read(() => {
        throw new Error('boom');
      }),
      /boom/,
    );
    await db.transaction((m) => m.query('INSERT INTO item (name) VALUES (?)', ['after']));
    assert.equal(await count('after'), 1);
    await db.close();
  });

  it('a transaction commits when its work resolves', async () => {
    const result = await db.transaction(async (m) => {
      await m.query('INSERT INTO item (name) VALUES (?)', ['one']);
      await m.query('INSERT INTO item (name) VALUES (?)', ['two']);
      return 'done';
    });
    assert.equal(result, 'done');
    assert.equal(await count(), 2);
    // committed for real: another connection on the file sees the rows
    const other = new BetterSqlite3(file);
    try {
      assert.deepEqual(other.prepare('SELECT name FROM item ORDER BY id').all(), [{ name: 'one' }, { name: 'two' }]);
    } finally {
      other.close();
    }
    await db.close();
  });

  it('a transaction whose work throws rolls back and the error propagates unchanged', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      db.transaction(async (m) => {
        await m.query('INSERT INTO item (name) VALUES (?)', ['doomed']);
        assert.equal((await m.query('SELECT count(*) AS n FROM item'))[0].n, 1, 'visible inside');
        throw boom;
      }),
      (e: unknown) => e === boom,
    );
    assert.equal(await count('doomed'), 0);
    // a failing statement after a successful one also rolls the successful one back
    await assert.rejects(
      db.transaction(async (m) => {
        await m.query('INSERT INTO item (name) VALUES (?)', ['first']);
        await m.query('INSERT INTO item (name) VALUES (?)', ['first']);
      }),
      isSqliteQueryFailure('SQLITE_CONSTRAINT_UNIQUE'),
    );
    assert.equal(await count(), 0);
    // and the connection is not left inside a transaction
    await db.transaction((m) => m.query('INSERT INTO item (name) VALUES (?)', ['ok']));
    assert.equal(await count(), 1);
    await db.close();
  });

  it('write transactions begin IMMEDIATE: another connection cannot start writing while one is open', async () => {
    const g = gate();
    const entered = gate();
    const tx = db.transaction(async () => {
      entered.open();
      await g.promise; // no statement yet: a DEFERRED transaction would hold no lock here
    });
    await entered.promise;
    const other = new BetterSqlite3(file, { timeout: 0 });
    try {
      assert.throws(() => other.prepare('BEGIN IMMEDIATE').run(), (e: unknown) => /^SQLITE_BUSY/.test(String((e as { code?: unknown }).code)));
    } finally {
      other.close();
    }
    g.open();
    await tx;
    await db.close();
  });

  /** A transaction that inserts `name`, then waits for `release()`, then commits or aborts. */
  const heldInsert = (name: string, end: 'commit' | 'abort') => {
    const release = gate();
    const inserted = gate();
    const tx = db.transaction(async (m) => {
      await m.query('INSERT INTO item (name) VALUES (?)', [name]);
      inserted.open();
      await release.promise;
      if (end === 'abort') throw new Error('abort');
      return 'committed';
    });
    return { tx, inserted: inserted.promise, release: release.open };
  };

  it('a read issued while a transaction is open waits for it and sees only committed state', async () => {
    const held = heldInsert('pending', 'commit');
    await held.inserted;
    const read = count('pending');
    const state = settled(read);
    await turns();
    assert.equal(state.done, false, 'the read waits while the write transaction holds the lock');
    held.release();
    assert.equal(await held.tx, 'committed');
    assert.equal(await read, 1, 'it runs after the commit, so it sees the committed row');

    // and with a rollback it never sees the row at all
    const aborted = heldInsert('rolled-back', 'abort');
    await aborted.inserted;
    const read2 = count('rolled-back');
    await turns();
    aborted.release();
    await assert.rejects(aborted.tx, /abort/);
    assert.equal(await read2, 0);
    await db.close();
  });

  it('a queued transaction holds back readers that arrive after it (writers are not starved)', async () => {
    const order: string[] = [];
    const readerGate = gate();
    const firstReadRunning = gate();
    const r1 = db.read(async (m) => {
      firstReadRunning.open();
      await readerGate.promise;
      order.push('read1');
      return m.query('SELECT count(*) AS n FROM item');
    });
    await firstReadRunning.promise;
    const tx = db.transaction(async (m) => {
      order.push('tx');
      return m.query('INSERT INTO item (name) VALUES (?)', ['w']);
    });
    const r2 = db.read(async (m) => {
      order.push('read2');
      return (await m.query('SELECT count(*) AS n FROM item'))[0].n;
    });
    await turns();
    assert.deepEqual(order, [], 'the transaction waits for the first reader; the second reader queues behind it');
    readerGate.open();
    assert.deepEqual(await r1, [{ n: 0 }]);
    await tx;
    assert.equal(await r2, 1);
    assert.deepEqual(order, ['read1', 'tx', 'read2']);
    await db.close();
  });

  it('a read (and a transaction) nested in a transaction reuses it and sees its uncommitted rows', async () => {
    const seen = await db.transaction(async (m) => {
      await m.query('INSERT INTO item (name) VALUES (?)', ['mine']);
      const inRead = await db.read(async (r) => (await r.query('SELECT count(*) AS n FROM item WHERE name = ?', ['mine']))[0].n);
      const inTx = await db.transaction(async (t) => (await t.query('SELECT count(*) AS n FROM item WHERE name = ?', ['mine']))[0].n);
      return [inRead, inTx];
    });
    assert.deepEqual(seen, [1, 1]);
    assert.equal(await count('mine'), 1);
    await db.close();
  });

  it('after close(), ping() is false and read()/transaction() reject with DatabaseUnavailableError', async () => {
    await db.transaction((m) => m.query('INSERT INTO item (name) VALUES (?)', ['x']));
    assert.equal(await count(), 1); // this text is now a cached prepared statement
    assert.equal(await db.ping(), true);
    await db.close();
    await db.close(); // idempotent
    assert.equal(await db.ping(), false);
    const unavailable = (e: unknown) => e instanceof DatabaseUnavailableError;
    await assert.rejects(count(), unavailable, 'a cached statement on the closed connection');
    await assert.rejects(db.read((m) => m.query('SELECT 42')), unavailable, 'a statement never prepared before');
    await assert.rejects(db.transaction((m) => m.query('INSERT INTO item (name) VALUES (?)', ['y'])), unavailable);
  });
});
