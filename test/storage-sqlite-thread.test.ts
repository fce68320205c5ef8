/**
 * Database.write() / readProgram() and SQLite's database thread (src/storage/sqlite-thread.ts): write
 * programs run as transactions on the database thread and answer after their commit; read programs see
 * what was acknowledged before them; requests that wait together share
 * one commit, yet a failing program fails alone; the database thread and this thread never interleave two write
 * transactions; a program inside a transaction of this thread joins it; close() finishes queued work.
 * On PostgreSQL, write() is a transaction.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseUnavailableError } from '../src/storage/errors.js';
import type { Database } from '../src/storage/database.js';
import { sqlFor } from '../src/storage/sql.js';
import { forEachEngine } from './helpers/engines.js';
import { INCREMENT, INSERT_ITEM, INSERT_THEN_FAIL, ITEM_NAMES, MISSING } from './fixtures/db-programs.js';

async function prepare(db: Database): Promise<void> {
  const id = db.engine === 'postgres' ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY';
  await db.transaction(async (m) => {
    await m.query(`CREATE TABLE item (id ${id}, name VARCHAR(64) NOT NULL UNIQUE)`);
    await m.query('CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)');
    await m.query('INSERT INTO counter (id, value) VALUES (1, 0)');
  });
}

const items = async (db: Database): Promise<string[]> =>
  ((await db.read((m) => m.query('SELECT name FROM item ORDER BY id'))) as Array<{ name: string }>).map((r) => r.name);

const counter = async (db: Database): Promise<number> =>
  Number(((await db.read((m) => m.query('SELECT value FROM counter WHERE id = 1'))) as Array<{ value: number }>)[0]!.value);

forEachEngine('Database.write', (engine) => {
  const open = async (options: { busyTimeoutMs?: number } = {}) => {
    const { db } = await engine.open({ migrations: [], entities: [], ...options });
    await prepare(db);
    return db;
  };

  it('runs a program as a transaction; its writes are readable once it resolves', async () => {
    const db = await open();
    const result = await db.write(INSERT_ITEM, { engine: engine.engine, name: 'a' });
    assert.deepEqual(result, { id: 1, seen: 1 });
    assert.deepEqual(await items(db), ['a']);
  });

  it('concurrent programs all commit (on SQLite in order), and a failing one fails alone with nothing of it kept', async () => {
    const db = await open();
    const names = Array.from({ length: 40 }, (_, i) => `n${i}`);
    // While this thread holds a write transaction, the database thread waits for the lock and the
    // requests queue up: on SQLite they then share one transaction (savepoints keep them apart).
    // Wait until the transaction has begun, not for a fixed time: on PostgreSQL it first takes a pooled
    // connection, which on a busy machine can take longer than any short wait.
    let release!: () => void;
    let begun!: () => void;
    const inside = new Promise<void>((r) => (begun = r));
    const held = db.transaction(
      () =>
        new Promise<void>((r) => {
          release = r;
          begun();
        }),
    );
    await inside;
    const settling = Promise.allSettled(
      names.map((name, i) => (i % 10 === 3 ? db.write(INSERT_THEN_FAIL, { engine: engine.engine, name }) : db.write(INSERT_ITEM, { engine: engine.engine, name }))),
    );
    await new Promise((r) => setTimeout(r, 20));
    release();
    await held;
    const outcomes = await settling;
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [names[i]] : []));
    assert.deepEqual(failed, ['n3', 'n13', 'n23', 'n33']);
    for (const o of outcomes) if (o.status === 'rejected') assert.match(String((o.reason as Error).message), /^refused n\d+$/);
    const kept = names.filter((n) => !failed.includes(n));
    // The database thread applies requests in the order they were made; PostgreSQL's pool in any order.
    if (engine.engine === 'sqlite') assert.deepEqual(await items(db), kept);
    else assert.deepEqual((await items(db)).sort(), [...kept].sort());
  });

  it('never interleaves with transaction() of this thread: no lost update, and no SQLITE_BUSY even without a busy timeout', async () => {
    // busy_timeout 0: a write transaction that found the file locked would fail at once with SQLITE_BUSY,
    // so this passes only if the two threads take turns through their shared lock, never through SQLite's.
    const db = await open({ busyTimeoutMs: 0 });
    await db.write(INCREMENT, { engine: engine.engine, by: 0 }); // the database thread is up before the race starts
    const increments = Array.from({ length: 60 }, (_, i) =>
      i % 2 === 0
        ? db.write(INCREMENT, { engine: engine.engine, by: 1 })
        : db.transaction(async (m) => {
            const [row] = (await m.query(`SELECT value FROM counter WHERE id = 1${engine.engine === 'postgres' ? ' FOR UPDATE' : ''}`)) as Array<{ value: number }>;
            await new Promise((r) => setImmediate(r)); // hold the transaction across a turn
            await m.query(sqlFor(engine.engine)('UPDATE counter SET value = ? WHERE id = 1'), [Number(row!.value) + 100]);
          }),
    );
    await Promise.all(increments);
    assert.equal(await counter(db), 30 * 1 + 30 * 100);
  });

  it('a read program sees every write acknowledged before it; inside a transaction it sees that transaction', async () => {
    const db = await open();
    for (const name of ['r1', 'r2', 'r3']) await db.write(INSERT_ITEM, { engine: engine.engine, name });
    assert.deepEqual(await db.readProgram(ITEM_NAMES, { engine: engine.engine }), ['r1', 'r2', 'r3']);
    const inside = await db.transaction(async (m) => {
      await m.query(sqlFor(engine.engine)('INSERT INTO item (name) VALUES (?)'), ['uncommitted']);
      return db.readProgram(ITEM_NAMES, { engine: engine.engine });
    });
    assert.deepEqual(inside, ['r1', 'r2', 'r3', 'uncommitted']);
  });

  it('inside a transaction() the program joins it, and rolls back with it', async () => {
    const db = await open();
    await assert.rejects(
      db.transaction(async () => {
        const inner = await db.write(INSERT_ITEM, { engine: engine.engine, name: 'joined' });
        assert.equal(inner.seen, 1);
        throw new Error('abort the outer transaction');
      }),
      /abort the outer transaction/,
    );
    assert.deepEqual(await items(db), []);
    await db.transaction(() => db.write(INSERT_ITEM, { engine: engine.engine, name: 'kept' }));
    assert.deepEqual(await items(db), ['kept']);
  });

  if (engine.engine === 'sqlite') {
    it('a program waits for an open transaction of this thread instead of failing with SQLITE_BUSY', async () => {
      const db = await open({ busyTimeoutMs: 0 });
      await db.write(INSERT_ITEM, { engine: engine.engine, name: 'warm' }); // the database thread is up
      let release!: () => void;
      const held = db.transaction(async (m) => {
        await m.query('INSERT INTO item (name) VALUES (?)', ['main']);
        await new Promise<void>((r) => (release = r));
      });
      await new Promise((r) => setImmediate(r));
      const write = db.write(INSERT_ITEM, { engine: engine.engine, name: 'writer' });
      await new Promise((r) => setTimeout(r, 50));
      release();
      await held;
      assert.deepEqual(await write, { id: 3, seen: 3 });
      assert.deepEqual(await items(db), ['warm', 'main', 'writer']);
    });

    it('rejects a program its module does not export, and goes on', async () => {
      const db = await open();
      await assert.rejects(db.write(MISSING, { engine: engine.engine, name: 'x' }), /noSuchProgram is not exported/);
      assert.deepEqual(await db.write(INSERT_ITEM, { engine: engine.engine, name: 'after' }), { id: 1, seen: 1 });
    });

    it('close() lets queued programs commit, then refuses with DatabaseUnavailableError', async () => {
      const { db, openAnother } = await engine.open({ migrations: [], entities: [] });
      await prepare(db);
      const queued = Array.from({ length: 10 }, (_, i) => db.write(INSERT_ITEM, { engine: engine.engine, name: `q${i}` }));
      await db.close();
      const results = await Promise.all(queued);
      assert.equal(results.length, 10);
      await assert.rejects(db.write(INSERT_ITEM, { engine: engine.engine, name: 'late' }), DatabaseUnavailableError);
      const again = await openAnother();
      assert.equal((await items(again)).length, 10);
    });
  }
});
