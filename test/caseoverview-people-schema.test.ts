/**
 * The migration of the case hub's people (CaseHubPeople, docs/hub-people.md#data-model) on both engines: a
 * database with cases and notifications upgrades with its rows intact, gains the tables, columns and indexes,
 * and the migration reverts. On SQLite, each overview shape is answered by its own index in result order (no
 * sort step), which is what keeps a page's cost independent of how many cases the subject has
 * (docs/hub-people.md#indexes).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SCHEMA } from '../src/schema.js';
import { CASE_MANDATE_INDEXES, CASE_RECORD_INDEXES, CASE_TABLES, CaseHubPeople1767225606000 } from '../src/caseoverview/schema.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { sqlFor } from '../src/storage/sql.js';
import { forEachEngine, silentLogger } from './helpers/engines.js';

const T = '2026-01-01T10:00:00.000Z';

async function columns(db: Database, table: string): Promise<Map<string, { nullable: boolean; type: string }>> {
  const rows: Array<Record<string, unknown>> =
    db.engine === 'sqlite'
      ? await db.read((m) => m.query(`PRAGMA table_info(${table})`))
      : await db.read((m) =>
          m.query(
            `SELECT column_name AS name, data_type AS type, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
            [table],
          ),
        );
  return new Map(
    rows.map((r) => [
      String(r.name),
      { nullable: db.engine === 'sqlite' ? Number(r.notnull) === 0 : r.is_nullable === 'YES', type: String(r.type).toLowerCase() },
    ]),
  );
}

/** Index name → its columns, in order. */
async function indexes(db: Database, table: string): Promise<Map<string, string[]>> {
  if (db.engine === 'sqlite') {
    const list: Array<{ name: string }> = await db.read((m) => m.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`, [table]));
    const out = new Map<string, string[]>();
    for (const { name } of list) {
      const cols: Array<{ name: string }> = await db.read((m) => m.query(`PRAGMA index_info(${name})`));
      out.set(name, cols.map((c) => c.name));
    }
    return out;
  }
  const rows: Array<{ indexname: string; indexdef: string }> = await db.read((m) =>
    m.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, [table]),
  );
  return new Map(rows.map((r) => [r.indexname, /USING \w+ \(([^)]*)\)/.exec(r.indexdef)![1]!.split(',').map((c) => c.trim())]));
}

/** A parameter for each `?` of the statement. */
const marks = (text: string) => Array.from(text.matchAll(/\?/g), () => 'x');

const withoutPeople = SCHEMA.migrations.filter((m) => m !== CaseHubPeople1767225606000);

forEachEngine('case hub people: migration', (engine) => {
  it('upgrades a database holding cases and notifications: rows kept, new columns empty, the outbox row is the subject’s', async () => {
    const old = await engine.open({ migrations: withoutPeople });
    const sql = sqlFor(old.db.engine);
    await old.db.transaction(async (m) => {
      await m.query(
        sql(
          `INSERT INTO ${CASE_TABLES.case} (sender_org, case_id, subject_hash, status, case_updated, revision, content_mac, key_id, content, stored_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
        ),
        ['5599999991', 'C-1', 'a'.repeat(64), 'RECEIVED', T, 'm'.repeat(64), 'k1', 'sealed', T],
      );
      const [row] = (await m.query(sql(`SELECT id FROM ${CASE_TABLES.case} WHERE case_id = ?`), ['C-1'])) as Array<{ id: number }>;
      await m.query(sql(`INSERT INTO ${CASE_TABLES.history} (case_row_id, revision, recorded_at, key_id, content) VALUES (?, 1, ?, 'k1', 'h')`), [row!.id, T]);
      await m.query(
        sql(`INSERT INTO ${CASE_TABLES.outbox} (notification_id, case_row_id, created_at, key_id, content, attempts, next_attempt_at) VALUES (?, ?, ?, 'k1', 'o', 0, ?)`),
        ['n-1', row!.id, T, T],
      );
    });
    await old.db.close();

    const db = await openDatabase(old.config, silentLogger, { ...old.openOptions, migrations: [...SCHEMA.migrations] });
    try {
      const [c] = (await db.read((m) => m.query(`SELECT * FROM ${CASE_TABLES.case}`))) as Array<Record<string, unknown>>;
      assert.equal(c!.case_id, 'C-1');
      assert.equal(c!.content, 'sealed');
      for (const col of ['subject_kind', 'category_hash', 'committee_hash', 'service_area_hash']) assert.equal(c![col], null, col);
      const [o] = (await db.read((m) => m.query(`SELECT * FROM ${CASE_TABLES.outbox}`))) as Array<Record<string, unknown>>;
      assert.equal(o!.recipient_kind, 'subject');
      assert.equal(o!.recipient_hash, null);
      assert.equal(((await db.read((m) => m.query(`SELECT * FROM ${CASE_TABLES.history}`))) as unknown[]).length, 1);
    } finally {
      await db.close();
    }
  });

  it('creates the consent and mandate tables with their keys, nullability and indexes', async () => {
    const { db } = await engine.open();
    const consent = await columns(db, CASE_TABLES.consent);
    assert.deepEqual([...consent.keys()].sort(), ['acted_at', 'auth_method', 'consent_version', 'guardian_hash', 'since', 'status', 'subject_hash', 'updated_at']);
    assert.deepEqual([...consent].filter(([, c]) => c.nullable).map(([n]) => n), ['guardian_hash']);
    const mandate = await columns(db, CASE_TABLES.mandate);
    assert.deepEqual([...mandate.keys()].sort(), [
      'content', 'content_mac', 'effective_end', 'grantor_hash', 'key_id', 'mandate_id', 'notify_representative',
      'registered_at', 'representative_hash', 'revoked_at', 'role', 'valid_from',
    ]);
    assert.deepEqual([...mandate].filter(([, c]) => c.nullable).map(([n]) => n), ['revoked_at']);
    assert.equal(mandate.get('notify_representative')!.type, 'smallint');
    const mi = await indexes(db, CASE_TABLES.mandate);
    assert.deepEqual(mi.get(CASE_MANDATE_INDEXES.representative), ['representative_hash']);
    assert.deepEqual(mi.get(CASE_MANDATE_INDEXES.grantorRepresentative), ['grantor_hash', 'representative_hash']);
    const ci = await indexes(db, CASE_TABLES.case);
    assert.deepEqual(ci.get(CASE_RECORD_INDEXES.subject), ['subject_hash', 'case_updated', 'id']);
    assert.deepEqual(ci.get(CASE_RECORD_INDEXES.sender), ['subject_hash', 'sender_org', 'case_updated', 'id']);
    assert.deepEqual(ci.get(CASE_RECORD_INDEXES.category), ['subject_hash', 'category_hash', 'case_updated', 'id']);
    assert.deepEqual(ci.get(CASE_RECORD_INDEXES.committee), ['subject_hash', 'committee_hash', 'case_updated', 'id']);
    assert.deepEqual(ci.get(CASE_RECORD_INDEXES.serviceArea), ['subject_hash', 'service_area_hash', 'case_updated', 'id']);
    assert.deepEqual(ci.get(CASE_RECORD_INDEXES.unclassified), ['id']);
    assert.equal(ci.has('ix_case_record_subject'), false, 'replaced by the index with the paging key');
  });

  it('reverts: the tables, columns and indexes go, the earlier subject index returns', async () => {
    const { db } = await engine.open();
    const undo = () => db.dataSource.undoLastMigration({ transaction: 'none' });
    await (db.engine === 'sqlite' ? db.transaction(undo) : undo());
    assert.equal((await columns(db, CASE_TABLES.consent)).size, 0);
    assert.equal((await columns(db, CASE_TABLES.mandate)).size, 0);
    assert.equal((await columns(db, CASE_TABLES.case)).has('category_hash'), false);
    assert.equal((await columns(db, CASE_TABLES.outbox)).has('recipient_kind'), false);
    assert.deepEqual((await indexes(db, CASE_TABLES.case)).get('ix_case_record_subject'), ['subject_hash', 'case_updated']);
  });
});

forEachEngine('case hub people: query plans', (engine) => {
  if (engine.engine !== 'sqlite') return; // an empty PostgreSQL table is scanned whatever its indexes; SQLite plans from the schema
  const page = ` ORDER BY case_updated DESC, id DESC LIMIT 10`;
  const after = ` AND (case_updated, id) < (?, ?)`;
  const shapes: Array<[string, string, string]> = [
    ['no scope', `subject_hash = ?`, CASE_RECORD_INDEXES.subject],
    ['sender', `subject_hash = ? AND sender_org = ?`, CASE_RECORD_INDEXES.sender],
    ['category', `subject_hash = ? AND category_hash = ?`, CASE_RECORD_INDEXES.category],
    ['committee', `subject_hash = ? AND committee_hash = ?`, CASE_RECORD_INDEXES.committee],
    ['service area', `subject_hash = ? AND service_area_hash = ?`, CASE_RECORD_INDEXES.serviceArea],
  ];
  it('each overview shape, first page and continued, reads its own index in result order', async () => {
    const { db } = await engine.open();
    for (const [shape, where, index] of shapes) {
      for (const tail of ['', after]) {
        const text = `SELECT id FROM ${CASE_TABLES.case} WHERE ${where}${tail}${page}`;
        const plan: Array<{ detail: string }> = await db.read((m) => m.query(`EXPLAIN QUERY PLAN ${text}`, marks(text)));
        const details = plan.map((p) => p.detail).join(' | ');
        assert.match(details, new RegExp(`SEARCH ${CASE_TABLES.case} USING (COVERING )?INDEX ${index} `), `${shape}${tail}: ${details}`);
        assert.doesNotMatch(details, /TEMP B-TREE/, `${shape}${tail}: no sort step: ${details}`);
      }
    }
  });

  it('cases stored before the upgrade are found through the partial index of unclassified rows', async () => {
    const { db } = await engine.open();
    const plan: Array<{ detail: string }> = await db.read((m) =>
      m.query(`EXPLAIN QUERY PLAN SELECT id FROM ${CASE_TABLES.case} WHERE subject_kind IS NULL AND id > ? ORDER BY id LIMIT 500`, ['0']),
    );
    assert.match(plan.map((p) => p.detail).join(' | '), new RegExp(`USING (COVERING )?INDEX ${CASE_RECORD_INDEXES.unclassified} `));
  });

  it('mandates are found by representative, and by grantor (with or without the representative)', async () => {
    const { db } = await engine.open();
    for (const [where, index] of [
      ['representative_hash = ?', CASE_MANDATE_INDEXES.representative],
      ['grantor_hash = ? AND representative_hash = ?', CASE_MANDATE_INDEXES.grantorRepresentative],
      ['grantor_hash = ?', CASE_MANDATE_INDEXES.grantorRepresentative],
    ] as const) {
      const plan: Array<{ detail: string }> = await db.read((m) => m.query(`EXPLAIN QUERY PLAN SELECT * FROM ${CASE_TABLES.mandate} WHERE ${where}`, marks(where)));
      assert.match(plan.map((p) => p.detail).join(' | '), new RegExp(`USING INDEX ${index} `), where);
    }
  });
});
