import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditFromContext } from '../src/soap/audit-context.js';
import { AuditTrail, createIdentifierHasher, loadAuditHmacKey, verifyAuditChain, type AuditEntryInput } from '../src/storage/audit.js';
import { ensureAuditKeys } from '../src/storage/audit-keys.js';
import type { Database } from '../src/storage/database.js';
import { forEachEngine } from './helpers/engines.js';

/** A fresh keys file with an audit chain key. */
function newKeysFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-audit-keys-')), 'keys.json');
  ensureAuditKeys(file);
  return file;
}

const keysFile = newKeysFile();
const trailOn = (db: Database) => new AuditTrail(db, { keysFile });
const verify = (db: Database, options: { pageSize?: number } = {}) => verifyAuditChain(db, { keysFile, ...options });

function entry(i: number, extra: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    actor: 'SE5599999991-1001',
    peer: 'SE5599999991-1004',
    contract: 'SearchPersonnel',
    action: 'search',
    logicalAddress: 'TEST-PRODUCER',
    outcome: 'OK',
    criteria: { familyName: 'Ander*', professionCode: ['LK'], n: i },
    recordCount: i % 7,
    correlationId: `corr-${i}`,
    logId: `log-${i}`,
    ...extra,
  };
}

describe('identifier hashing', () => {
  it('is keyed, stable, ignores hyphen/space; the key file is generated once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-key-'));
    try {
      const k1 = loadAuditHmacKey({ dataDir: dir });
      const k2 = loadAuditHmacKey({ dataDir: dir });
      assert.deepEqual(k1, k2);
      const h = createIdentifierHasher(k1);
      assert.equal(h('19121212-1212'), h('191212121212'));
      assert.match(h('191212121212'), /^[0-9a-f]{64}$/);
      const other = createIdentifierHasher(loadAuditHmacKey({ dataDir: dir, auditHmacKey: 'ab'.repeat(32) }));
      assert.notEqual(other('191212121212'), h('191212121212'));
      assert.throws(() => loadAuditHmacKey({ dataDir: dir, auditHmacKey: 'abcd' }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachEngine('audit trail', (engine) => {
  it('batches concurrent appends into an unbroken chain', async () => {
    const { db } = await engine.open();
    const trail = trailOn(db);
    const receipts = await Promise.all(Array.from({ length: 300 }, (_, i) => trail.append(entry(i))));
    assert.deepEqual(receipts.map((r) => r.seq).sort((a, b) => a - b), Array.from({ length: 300 }, (_, i) => i + 1));
    const v = await verify(db, { pageSize: 64 });
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(v.entries, 300);
    await trail.close();
    await assert.rejects(trail.append(entry(1)));
  });

  it('appendInTransaction commits and rolls back with the caller', async () => {
    const { db } = await engine.open();
    const trail = trailOn(db);
    await trail.append(entry(1));
    await assert.rejects(
      db.transaction(async (m) => {
        await trail.appendInTransaction(m, entry(2));
        throw new Error('push failed');
      }),
      /push failed/,
    );
    const [r] = await db.transaction((m) => trail.appendInTransaction(m, [entry(3), entry(4)]));
    assert.equal(r!.seq, 2);
    const ctxEntry = auditFromContext(
      { consumerHsaId: 'SE5599999991-1006', peerHsaId: 'SE5599999991-1006', contractName: 'GetCaseOverview', logicalAddress: 'X', correlationId: 'c', logId: 'l' },
      { action: 'read', criteria: { subject: 'hmac:…' }, recordCount: 2 },
    );
    await trail.append(ctxEntry);
    const v = await verify(db);
    assert.ok(v.ok && v.entries === 4, JSON.stringify(v));
  });

  it('two instances appending concurrently never fork the chain', { skip: engine.engine === 'sqlite' && 'multi-instance is PostgreSQL-only (docs/design.md#scale-out)' }, async () => {
    const t = await engine.open();
    const other = await t.openAnother();
    const a = trailOn(t.db);
    const b = trailOn(other);
    await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => a.append(entry(i))),
      ...Array.from({ length: 100 }, (_, i) => b.append(entry(1000 + i))),
    ]);
    const v = await verify(t.db);
    assert.ok(v.ok && v.entries === 200, JSON.stringify(v));
  });

  it('detects an edited, a deleted, a reordered and a truncated entry at the right seq', async () => {
    const { db } = await engine.open();
    const trail = trailOn(db);
    for (let i = 0; i < 10; i++) await trail.append(entry(i));
    assert.ok((await verify(db)).ok);
    const q = (sql: string) => db.transaction((m) => m.query(sql));

    await q(`UPDATE audit_entry SET record_count = 999 WHERE seq = 4`);
    let v = await verify(db);
    assert.deepEqual(v.ok ? null : [v.brokenAt, v.reason], [4, 'hash-mismatch']);
    await q(`UPDATE audit_entry SET record_count = 3 WHERE seq = 4`); // restore (entry(3).recordCount = 3)
    assert.ok((await verify(db)).ok);

    // reorder: swap the content of 6 and 7 (keeping seq)
    const rows: Array<{ actor: string; criteria: string }> = await db.read((m) => m.query('SELECT actor, criteria FROM audit_entry WHERE seq IN (6, 7) ORDER BY seq'));
    await db.transaction(async (m) => {
      await m.query(`UPDATE audit_entry SET criteria = '${rows[1]!.criteria}' WHERE seq = 6`);
      await m.query(`UPDATE audit_entry SET criteria = '${rows[0]!.criteria}' WHERE seq = 7`);
    });
    v = await verify(db);
    assert.deepEqual(v.ok ? null : [v.brokenAt, v.reason], [6, 'hash-mismatch']);
    await db.transaction(async (m) => {
      await m.query(`UPDATE audit_entry SET criteria = '${rows[0]!.criteria}' WHERE seq = 6`);
      await m.query(`UPDATE audit_entry SET criteria = '${rows[1]!.criteria}' WHERE seq = 7`);
    });

    await q(`DELETE FROM audit_entry WHERE seq = 5`);
    v = await verify(db);
    assert.deepEqual(v.ok ? null : [v.brokenAt, v.reason], [5, 'missing-entry']);
  });

  it('detects a deleted tail through the chain head', async () => {
    const { db } = await engine.open();
    const trail = trailOn(db);
    for (let i = 0; i < 5; i++) await trail.append(entry(i));
    await db.transaction((m) => m.query('DELETE FROM audit_entry WHERE seq = 5'));
    const v = await verify(db);
    assert.deepEqual(v.ok ? null : [v.brokenAt, v.reason], [5, 'missing-entry']);
  });
});
