import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DatabaseUnavailableError, isDatabaseUnavailable, mapDatabaseError } from '../src/storage/errors.js';
import { openDatabase } from '../src/storage/database.js';
import { sqlFor } from '../src/storage/sql.js';
import { SCHEMA } from '../src/schema.js';
import { forEachEngine, hasPostgres, silentLogger } from './helpers/engines.js';

describe('database error mapping', () => {
  const err = (props: Record<string, unknown>) => Object.assign(new Error(String(props.message ?? 'x')), props);
  it('maps connection-level failures, wrapped or not', () => {
    for (const e of [
      err({ code: 'ECONNREFUSED' }),
      err({ code: '57P01' }),
      err({ code: '08006' }),
      err({ message: 'Connection terminated unexpectedly' }),
      err({ code: 'SQLITE_IOERR_WRITE' }),
      err({ code: 'SQLITE_CANTOPEN' }),
      { name: 'QueryFailedError', message: 'q', driverError: err({ code: '57P01' }) },
      err({ message: 'outer', cause: err({ code: 'ECONNRESET' }) }),
    ]) {
      assert.equal(isDatabaseUnavailable(e), true, JSON.stringify(e));
      assert.ok(mapDatabaseError(e) instanceof DatabaseUnavailableError);
    }
  });
  it('leaves logical errors alone', () => {
    for (const e of [err({ code: '23505' }), err({ code: 'SQLITE_CONSTRAINT_UNIQUE' }), err({ message: 'syntax error at or near' }), new TypeError('bug')]) {
      assert.equal(isDatabaseUnavailable(e), false, String(e));
      assert.equal(mapDatabaseError(e), e);
    }
  });
});

describe('sqlFor', () => {
  it('numbers ? placeholders for PostgreSQL and leaves them for SQLite', () => {
    const text = 'UPDATE t SET a = ?, b = ? WHERE id IN (?, ?)';
    assert.equal(sqlFor('postgres')(text), 'UPDATE t SET a = $1, b = $2 WHERE id IN ($3, $4)');
    assert.equal(sqlFor('postgres')(text), 'UPDATE t SET a = $1, b = $2 WHERE id IN ($3, $4)', 'each call counts from 1');
    assert.equal(sqlFor('sqlite')(text), text);
  });
});

/** The SQLSTATE of a PostgreSQL error, through TypeORM's wrapper. */
const sqlState = (e: unknown): string | undefined =>
  (e as { driverError?: { code?: string } } | null)?.driverError?.code ?? (e as { code?: string } | null)?.code;

/**
 * Every migration as released, in order. Databases record migrations by name and run them in list
 * order: a rename or a reordering would run one again, or skip one, on an existing database.
 */
const RELEASED_MIGRATIONS = [
  'AuditTrail1767225600000',
  'FmbContent1767225601000',
  'PersonnelRegister1767225602000',
  'CaseHub1767225603000',
  'PersonnelLicenceDocument1767225604000',
  'AuditChainKeys1767225605000',
];

describe('the migration list', () => {
  it('holds every released migration, in the released order, under its released class name; new ones only after them', () => {
    const names = SCHEMA.migrations.map((M) => String(new M().name));
    assert.deepEqual(names.slice(0, RELEASED_MIGRATIONS.length), RELEASED_MIGRATIONS);
    assert.deepEqual(SCHEMA.migrations.map((M) => M.name), names, 'class name = recorded name');
    const stamps = names.map((n) => Number(/(\d{13})$/.exec(n)?.[1]));
    assert.deepEqual([...stamps].sort((a, b) => a - b), stamps, 'timestamps increase along the list');
  });
});

forEachEngine('database', (engine) => {
  it('opens migrated, pings, closes', async () => {
    const { db } = await engine.open();
    assert.equal(db.engine, engine.engine);
    assert.equal(await db.ping(), true);
    const rows: Array<{ name: string }> = await db.read((m) => m.query('SELECT name FROM schema_migrations ORDER BY id'));
    assert.deepEqual(rows.map((r) => r.name), SCHEMA.migrations.map((M) => new M().name));
    assert.deepEqual(rows.slice(0, 2).map((r) => r.name), ['AuditTrail1767225600000', 'FmbContent1767225601000']);
    await db.close();
    assert.equal(await db.ping(), false);
  });
  it('SQLite: WAL with synchronous=FULL (durable acknowledgements), memory-mapped reads', { skip: engine.engine !== 'sqlite' }, async () => {
    const { db } = await engine.open();
    const pragma = async (name: string) => Object.values((await db.read((m) => m.query(`PRAGMA ${name}`)))[0] as object)[0];
    assert.equal(await pragma('journal_mode'), 'wal');
    assert.equal(await pragma('synchronous'), 2); // FULL
    assert.ok(Number(await pragma('mmap_size')) > 0);
    assert.ok(Number(await pragma('cache_size')) <= -32 * 1024);
  });
  it('serialises concurrent write transactions and nested reads reuse the transaction', async () => {
    const { db } = await engine.open();
    await db.transaction((m) => m.query("UPDATE fmb_data_set SET source = 'a' WHERE id = 1"));
    const attempts = 20;
    const results = await Promise.all(
      Array.from({ length: attempts }, () =>
        db.transaction(async (m) => {
          const [row] = await m.query('SELECT version FROM fmb_data_set WHERE id = 1');
          await new Promise((r) => setTimeout(r, 1));
          await m.query(`UPDATE fmb_data_set SET version = ${Number(row.version) + 1} WHERE id = 1${''}`);
          return db.read(async (mm) => Number((await mm.query('SELECT version FROM fmb_data_set WHERE id = 1'))[0].version));
        }, engine.engine === 'postgres' ? { isolation: 'SERIALIZABLE' } : undefined).catch((e: unknown) => e),
      ),
    );
    if (engine.engine === 'sqlite') assert.deepEqual([...results].sort((a, b) => Number(a) - Number(b)), Array.from({ length: 20 }, (_, i) => i + 1));
    if (engine.engine === 'postgres') {
      // SERIALIZABLE, no retries: each transaction either commits its increment or fails to serialise.
      const committed = results.filter((r): r is number => typeof r === 'number');
      const serializationFailures = results.filter((r) => sqlState(r) === '40001');
      const other = results.filter((r) => typeof r !== 'number' && sqlState(r) !== '40001').map((e) => String(e));
      assert.equal(committed.length + serializationFailures.length, attempts, `failures other than serialization: ${other.join('; ')}`);
      assert.ok(committed.length >= 1, 'at least one transaction commits');
      // Each commit saw the one before it: the versions read back inside them are 1..committed, once each.
      assert.deepEqual([...committed].sort((a, b) => a - b), Array.from({ length: committed.length }, (_, i) => i + 1));
      const final = await db.read(async (m) => Number((await m.query('SELECT version FROM fmb_data_set WHERE id = 1'))[0].version));
      assert.equal(final, committed.length, 'the final version counts the committed transactions, no more, no fewer');
    }
  });
});

describe('PostgreSQL outage and recovery', { skip: !hasPostgres() && 'TEST_DATABASE_URL not set' }, () => {
  it('answers DatabaseUnavailableError while the database is unreachable and recovers without a restart', async () => {
    const target = new URL(process.env.TEST_DATABASE_URL!);
    const sockets = new Set<net.Socket>();
    const proxy = () =>
      net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        sockets.add(client).add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => { client.destroy(); upstream.destroy(); };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
    let server = proxy();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const url = new URL(target.toString());
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const db = await openDatabase({ dataDir: '/tmp', databaseUrl: url.toString() }, silentLogger, { ...SCHEMA, migrate: false, poolSize: 2 });
    try {
      assert.equal(await db.ping(), true);
      // outage: stop accepting and cut every live connection
      await new Promise<void>((r) => { server.close(() => r()); for (const s of sockets) s.destroy(); sockets.clear(); });
      await assert.rejects(db.read((m) => m.query('SELECT 1')), (e: unknown) => e instanceof DatabaseUnavailableError);
      await assert.rejects(db.read((m) => m.query('SELECT 1')), (e: unknown) => e instanceof DatabaseUnavailableError);
      assert.equal(await db.ping(), false);
      // the database comes back on the same address
      server = proxy();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      let ok = false;
      for (let i = 0; i < 20 && !ok; i++) {
        ok = await db.ping();
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ok, true, 'pool recovered');
      assert.deepEqual(await db.read((m) => m.query('SELECT 1 AS one')), [{ one: 1 }]);
    } finally {
      await db.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
