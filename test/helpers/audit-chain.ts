/**
 * For the audit chain tests: keys files, entries, the old (unkeyed) writer as it was before the upgrade,
 * and an attacker who can write to the database but does not hold the audit key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditEntryInput } from '../../src/storage/audit.js';
import { ENTRY_COLUMNS, GENESIS_HASH, rowToEntry, unkeyedEntryHash, type RawAuditRow } from '../../src/storage/audit-chain.js';
import { ensureAuditKeys } from '../../src/storage/audit-keys.js';
import { canonicalJson } from '../../src/storage/canonical.js';
import type { Database, SqlRunner } from '../../src/storage/database.js';
import { sqlFor } from '../../src/storage/sql.js';

/** A fresh keys file holding one audit chain key. */
export function newAuditKeysFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-audit-keys-')), 'keys.json');
  ensureAuditKeys(file);
  return file;
}

export function auditEntry(i: number): AuditEntryInput {
  return { actor: 'SE5599999991-1001', peer: 'SE5599999991-1001', contract: 'SearchPersonnel', action: 'search', outcome: 'OK', criteria: { n: i }, recordCount: i % 5 };
}

export async function chainRows(db: Database): Promise<ReturnType<typeof rowToEntry>[]> {
  const rows: RawAuditRow[] = await db.read((m) => m.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entry ORDER BY seq`));
  return rows.map(rowToEntry);
}

/**
 * The writer before the upgrade, on a database migrated without AuditChainKeys: rows without key_id,
 * linked with the unkeyed SHA-256 hash, and the head row moved along.
 */
export async function writeUnkeyedEntries(db: Database, count: number): Promise<void> {
  const sql = sqlFor(db.engine);
  await db.transaction(async (m) => {
    const [head] = (await m.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1')) as Array<{ seq: unknown; hash: string }>;
    let seq = Number(head!.seq);
    let prev = head!.hash;
    for (let i = 0; i < count; i++) {
      seq += 1;
      const input = auditEntry(seq);
      const e = {
        seq,
        time: new Date().toISOString(),
        actor: input.actor,
        peer: input.peer,
        contract: input.contract,
        action: input.action,
        logicalAddress: null,
        outcome: input.outcome ?? null,
        criteria: canonicalJson(input.criteria),
        recordCount: input.recordCount,
        correlationId: null,
        logId: null,
        prevHash: prev,
      };
      prev = unkeyedEntryHash(e);
      await m.query(
        sql('INSERT INTO audit_entry (seq, time, actor, peer, contract, action, logical_address, outcome, criteria, record_count, correlation_id, log_id, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
        [e.seq, e.time, e.actor, e.peer, e.contract, e.action, e.logicalAddress, e.outcome, e.criteria, e.recordCount, e.correlationId, e.logId, e.prevHash, prev],
      );
    }
    await m.query(sql('UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1'), [seq, prev]);
  });
}

/**
 * The attacker: recomputes the public, unkeyed SHA-256 chain for seq `fromSeq` to `toSeq` (marking those
 * entries unkeyed, since the key is not theirs), and rewrites the head row to match, exactly as the old
 * code would have written them.
 */
export async function recomputeUnkeyed(db: Database, fromSeq: number, toSeq = Infinity): Promise<void> {
  const sql = sqlFor(db.engine);
  await db.transaction(async (m: SqlRunner) => {
    const rows = ((await m.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entry ORDER BY seq`)) as RawAuditRow[]).map(rowToEntry);
    let prev = GENESIS_HASH;
    let last: { seq: number; hash: string; keyId: string | null } = { seq: 0, hash: prev, keyId: null };
    for (const e of rows) {
      if (e.seq >= fromSeq && e.seq <= toSeq) {
        const hash = unkeyedEntryHash({ ...e, prevHash: prev });
        await m.query(sql('UPDATE audit_entry SET key_id = NULL, prev_hash = ?, hash = ? WHERE seq = ?'), [prev, hash, e.seq]);
        last = { seq: e.seq, hash, keyId: null };
      } else {
        last = { seq: e.seq, hash: e.hash, keyId: e.keyId };
      }
      prev = last.hash;
    }
    await m.query(sql('UPDATE audit_chain_head SET seq = ?, hash = ?, key_id = ? WHERE id = 1'), [last.seq, last.hash, last.keyId]);
  });
}

/** Runs SQL statements in one transaction, as someone with write access to the database. */
export function tamper(db: Database, ...statements: string[]): Promise<void> {
  return db.transaction(async (m) => {
    for (const s of statements) await m.query(s);
  });
}
