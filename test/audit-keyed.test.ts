/**
 * The keyed audit chain against someone who can write to the database but does not hold the audit key
 * (docs/audit.md): rewrites recomputed with the old unkeyed hash, a removed middle entry, a cut-off tail
 * against the published heads; the upgrade from an unkeyed chain; and key rotation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'node:test';
import { AuditTrail, verifyAuditChain, type AuditHead } from '../src/storage/audit.js';
import { addAuditKey } from '../src/storage/audit-keys.js';
import type { Database } from '../src/storage/database.js';
import { openDatabase } from '../src/storage/database.js';
import { AuditChainKeys1767225605000 } from '../src/storage/migrations/1767225605000-AuditChainKeys.js';
import { SCHEMA } from '../src/schema.js';
import { RELOAD_CHECK_MS } from '../src/security/keys-file.js';
import { auditEntry, chainRows, newAuditKeysFile, recomputeUnkeyed, tamper, writeUnkeyedEntries } from './helpers/audit-chain.js';
import { forEachEngine, silentLogger, type TestEngine } from './helpers/engines.js';

const brokenAs = (v: Awaited<ReturnType<typeof verifyAuditChain>>) => (v.ok ? 'intact' : `${v.brokenAt} ${v.reason}`);

async function keyedChain(engine: TestEngine, n: number, head?: AuditHead[]): Promise<{ db: Database; keysFile: string; trail: AuditTrail }> {
  const { db } = await engine.open();
  const keysFile = newAuditKeysFile();
  const trail = new AuditTrail(db, { keysFile, ...(head ? { head: { publish: (h) => head.push(h), pollMs: 5 } } : {}) });
  for (let i = 1; i <= n; i++) await trail.append(auditEntry(i));
  return { db, keysFile, trail };
}

/** A database migrated as before the upgrade, holding `n` entries written by the unkeyed writer, then migrated. */
async function upgradedFromUnkeyed(engine: TestEngine, n: number): Promise<{ db: Database; keysFile: string }> {
  const old = await engine.open({ migrations: SCHEMA.migrations.filter((m) => m !== AuditChainKeys1767225605000) });
  await writeUnkeyedEntries(old.db, n);
  await old.db.close();
  const db = await openDatabase(old.config, silentLogger, { ...old.openOptions, migrations: [...SCHEMA.migrations] });
  return { db, keysFile: newAuditKeysFile() };
}

forEachEngine('keyed audit chain', (engine) => {
  it('chains every entry of a fresh database keyed: no unkeyed entry, no anchor', async () => {
    const { db, keysFile, trail } = await keyedChain(engine, 5);
    const rows = await chainRows(db);
    assert.ok(rows.every((r) => r.keyId !== null && r.action !== 'anchor'));
    assert.equal(await trail.anchor(), null);
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), 'intact');
    await trail.close();
  });

  it('reports a rewritten entry recomputed with the unkeyed hash, successors and head row too', async () => {
    const { db, keysFile, trail } = await keyedChain(engine, 10);
    await trail.close();
    await tamper(db, 'UPDATE audit_entry SET record_count = 999 WHERE seq = 4');
    await recomputeUnkeyed(db, 4);
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), '4 unkeyed-entry');
    await recomputeUnkeyed(db, 1); // the whole chain, so no keyed entry precedes the rewrite
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), '1 unkeyed-entry');
  });

  it('reports a removed middle entry with the chain renumbered and recomputed unkeyed after it', async () => {
    const { db, keysFile, trail } = await keyedChain(engine, 10);
    await trail.close();
    await tamper(db, 'DELETE FROM audit_entry WHERE seq = 5', 'UPDATE audit_entry SET seq = seq - 1 WHERE seq > 5');
    await recomputeUnkeyed(db, 5);
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile, pageSize: 3 })), '5 unkeyed-entry');
  });

  it('reports, given the published heads, a cut-off tail with the head row rewritten to match', async () => {
    const heads: AuditHead[] = [];
    const { db, keysFile, trail } = await keyedChain(engine, 10, heads);
    await trail.close(); // publishes the head (seq 10) a last time
    const published = new Map<number, Set<string>>();
    for (const h of heads) published.set(h.seq, new Set([...(published.get(h.seq) ?? []), h.hash]));
    assert.ok(published.get(10), 'the head was published');
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile, heads: published })), 'intact');
    await tamper(db, 'DELETE FROM audit_entry WHERE seq > 7', 'UPDATE audit_chain_head SET seq = 7, hash = (SELECT hash FROM audit_entry WHERE seq = 7) WHERE id = 1');
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), 'intact', 'without published heads a clean cut does not show');
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile, heads: published })), '8 missing-entry');
    // a head published with another hash for a seq still present
    const forged = new Map([[7, new Set(['f'.repeat(64)])]]);
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile, heads: forged })), '7 published-head-mismatch');
  });

  it('upgrades an unkeyed chain: checked once, anchored on its last hash, nothing rehashed, then keyed', async () => {
    const { db, keysFile } = await upgradedFromUnkeyed(engine, 6);
    try {
      const before = await chainRows(db);
      assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), '1 unkeyed-entry', 'not anchored yet: refused, not passed');
      const trail = new AuditTrail(db, { keysFile });
      assert.deepEqual(await trail.anchor(), { unkeyedEntries: 6, intact: true });
      assert.equal(await trail.anchor(), null, 'anchored once');
      for (let i = 0; i < 4; i++) await trail.append(auditEntry(100 + i));
      await trail.close();
      const rows = await chainRows(db);
      assert.deepEqual(rows.slice(0, 6), before, 'the unkeyed entries are untouched');
      assert.equal(rows[6]!.action, 'anchor');
      assert.equal(rows[6]!.prevHash, before[5]!.hash);
      assert.ok(rows.slice(6).every((r) => r.keyId !== null));
      const v = await verifyAuditChain(db, { keysFile });
      assert.ok(v.ok && v.entries === 11, JSON.stringify(v));
    } finally {
      await db.close();
    }
  });

  it('after the upgrade, reports rewrites recomputed unkeyed before or after the anchor', async () => {
    const cases = [
      [3, 6, '7 prev-hash-mismatch'], // an unkeyed entry, recomputed up to the anchor, whose HMAC covers the old last hash
      [8, Infinity, '8 unkeyed-entry'], // an entry after the anchor
      [7, Infinity, '1 unkeyed-entry'], // the anchor and everything after it: no keyed entry left
    ] as const;
    for (const [fromSeq, toSeq, expected] of cases) {
      const { db, keysFile } = await upgradedFromUnkeyed(engine, 6);
      try {
        const trail = new AuditTrail(db, { keysFile });
        for (let i = 0; i < 3; i++) await trail.append(auditEntry(100 + i)); // anchors at seq 7 first
        await trail.close();
        await tamper(db, `UPDATE audit_entry SET record_count = 999 WHERE seq = ${fromSeq}`);
        await recomputeUnkeyed(db, fromSeq, toSeq);
        assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), expected, `rewrite from seq ${fromSeq}`);
      } finally {
        await db.close();
      }
    }
  });

  it('anchors on a broken unkeyed chain without hiding the break', async () => {
    const { db, keysFile } = await upgradedFromUnkeyed(engine, 5);
    try {
      await tamper(db, 'UPDATE audit_entry SET record_count = 999 WHERE seq = 2');
      const trail = new AuditTrail(db, { keysFile });
      assert.deepEqual(await trail.anchor(), { unkeyedEntries: 5, intact: false, brokenAt: 2, reason: 'hash-mismatch' });
      await trail.close();
      assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), '2 hash-mismatch');
    } finally {
      await db.close();
    }
  });

  it('keeps verifying across an audit key rotation, and needs every key', async () => {
    const { db, keysFile, trail } = await keyedChain(engine, 3);
    const newId = addAuditKey(keysFile);
    // running writers (also SQLite's database thread) pick the new key up when they next look at the file
    const deadline = Date.now() + 20 * RELOAD_CHECK_MS;
    let n = 0;
    while ((await trail.append(auditEntry(10 + n++))).keyId !== newId) {
      assert.ok(Date.now() < deadline, 'the new audit key was never used');
      await new Promise((r) => setTimeout(r, 50));
    }
    await trail.close();
    const ids = new Set((await chainRows(db)).map((r) => r.keyId));
    assert.equal(ids.size, 2);
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), 'intact');

    const content = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as { auditKeys: Record<string, unknown> };
    const oldId = [...ids].find((id) => id !== newId)!;
    const { [oldId]: _dropped, ...rest } = content.auditKeys;
    fs.writeFileSync(keysFile, JSON.stringify({ ...content, auditKeys: rest }));
    assert.equal(brokenAs(await verifyAuditChain(db, { keysFile })), '1 unknown-key', 'an entry whose key is gone cannot pass');
  });
});
