/**
 * The chain writer: appends entries at the audit chain's head inside an open write transaction, the one
 * way an entry enters `audit_entry` (the trail in audit.ts calls it; so do write programs on SQLite's
 * database thread, which get the keys file's path as plain data). docs/audit.md explains the design.
 *
 * `seq` is assigned here (head.seq + 1) under the chain lock, never by a sequence, so it has no gaps:
 * a missing seq is a deleted entry. The chain head (last seq, hash and key id) lives in `audit_chain_head`
 * (one row, id = 1); every append locks that row first, so the chain never forks, also with several
 * producer instances on one PostgreSQL (`SELECT … FOR UPDATE` on the head row; on SQLite the
 * write transaction is BEGIN IMMEDIATE, i.e. already exclusive). Each entry is linked with the current
 * audit key of the keys file (audit-keys.ts; the link rule is audit-chain.ts).
 *
 * The upgrade from the unkeyed chain: the first write under the lock that finds an unkeyed head checks the
 * unkeyed chain once and writes an anchor entry (keyed, so its HMAC covers the last unkeyed hash) before
 * anything else; nothing is rehashed.
 */
import { sqlFor, type Engine, type SqlRunner } from './sql.js';
import { canonicalJson } from './canonical.js';
import { ENTRY_COLUMNS, entryParams, keyedEntryHash, walkChain, type AuditEntry, type RawAuditRow } from './audit-chain.js';
import { auditKeyRing } from './audit-keys.js';
import { dbProgram } from './sqlite-thread.js';

/** What a caller records. */
export interface AuditEntryInput {
  /** The effective consumer's HSA-id (who). */
  readonly actor: string;
  /** The TLS peer's HSA-id: the routing node when it called on the actor's behalf, else the actor itself. */
  readonly peer: string;
  /** Contract name, e.g. "SearchPersonnel", "PushCaseStatus", or a tool such as "purge". */
  readonly contract: string;
  /** What was done, e.g. "search", "read", "write", "purge", "denied". */
  readonly action: string;
  readonly logicalAddress?: string;
  /** Outcome, e.g. "OK", "INFO", "ACCESS_DENIED", "RP007". */
  readonly outcome?: string;
  /** The criteria or target, JSON; identity numbers must already be hashed (createIdentifierHasher in audit-identifiers.ts). */
  readonly criteria: Readonly<Record<string, unknown>>;
  /** Number of records returned or touched. */
  readonly recordCount: number;
  readonly correlationId?: string;
  readonly logId?: string;
  /** Defaults to now. Stored in UTC, ISO 8601 with milliseconds. */
  readonly time?: Date;
}

export interface AuditReceipt {
  readonly seq: number;
  readonly hash: string;
  readonly keyId: string;
  readonly time: string;
}

/** What the upgrade found when it anchored the keyed chain on an unkeyed one. */
export interface AnchorReport {
  /** Unkeyed entries before the anchor. */
  readonly unkeyedEntries: number;
  readonly intact: boolean;
  readonly brokenAt?: number;
  readonly reason?: string;
}

/** Who the anchor entry names: the producer itself, there is no caller. */
export const ANCHOR_ACTOR = 'riv-producer';

// ---------------------------------------------------------------------------------------------
// Appending

const ROWS_PER_INSERT = 200;
const CHECK_PAGE = 2000;

/** Throws a TypeError when an entry lacks who, what or a valid count (before it is queued). */
export function validateAuditEntry(input: AuditEntryInput): void {
  for (const k of ['actor', 'peer', 'contract', 'action'] as const) {
    if (typeof input[k] !== 'string' || input[k].length === 0) throw new TypeError(`audit entry: ${k} is required`);
  }
  if (!Number.isInteger(input.recordCount) || input.recordCount < 0) throw new TypeError('audit entry: recordCount must be an integer ≥ 0');
}

interface LockedHead {
  readonly seq: number;
  readonly hash: string;
  readonly keyId: string | null;
}

async function lockHead(manager: SqlRunner, engine: Engine): Promise<LockedHead> {
  const rows: Array<{ seq: unknown; hash: string; key_id: string | null }> = await manager.query(
    engine === 'postgres'
      ? 'SELECT seq, hash, key_id FROM audit_chain_head WHERE id = 1 FOR UPDATE'
      : 'SELECT seq, hash, key_id FROM audit_chain_head WHERE id = 1',
  );
  const head = rows[0];
  if (!head) throw new Error('audit_chain_head has no row: the AuditTrail migration has not run');
  return { seq: Number(head.seq), hash: head.hash, keyId: head.key_id };
}

/**
 * The one check of the unkeyed chain at the upgrade, under the chain lock. Its result goes into the
 * anchor entry; a broken unkeyed chain stays reported by every later audit:verify, since that checks
 * the unkeyed entries too.
 */
async function checkUnkeyedChain(manager: SqlRunner, engine: Engine, keysFile: string, head: LockedHead): Promise<AnchorReport> {
  const page = sqlFor(engine)(`SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE seq > ? ORDER BY seq LIMIT ?`);
  const ring = auditKeyRing(keysFile);
  const walk = await walkChain({
    page: (after, limit) => manager.query(page, [after, limit]) as Promise<RawAuditRow[]>,
    pageSize: CHECK_PAGE,
    keyFor: (id) => ring.key(id),
  });
  const base = { unkeyedEntries: head.seq };
  if (walk.broken) return { ...base, intact: false, brokenAt: walk.broken.brokenAt, reason: walk.broken.reason };
  if (walk.keyed) return { ...base, intact: false, brokenAt: head.seq, reason: 'the head row is unkeyed but the chain holds keyed entries' };
  if (walk.lastSeq !== head.seq || walk.lastHash !== head.hash) {
    return { ...base, intact: false, brokenAt: Math.min(walk.lastSeq, head.seq) + 1, reason: 'head-mismatch' };
  }
  return { ...base, intact: true };
}

function anchorEntry(head: LockedHead, report: AnchorReport): AuditEntryInput {
  return {
    actor: ANCHOR_ACTOR,
    peer: ANCHOR_ACTOR,
    contract: 'AuditTrail',
    action: 'anchor',
    outcome: report.intact ? 'OK' : 'BROKEN',
    criteria: { unkeyedHeadSeq: head.seq, unkeyedHeadHash: head.hash, ...report },
    recordCount: 0,
  };
}

interface WriteResult {
  readonly receipts: AuditReceipt[];
  readonly anchor?: AnchorReport;
}

/**
 * Writes entries at the chain head inside an open write transaction (a db.transaction(), or a write
 * program on SQLite's database thread), keyed with the current audit key of `keysFile`. Callers validate
 * first (AuditTrail does).
 */
export async function writeAuditEntries(manager: SqlRunner, engine: Engine, inputs: readonly AuditEntryInput[], keysFile: string): Promise<AuditReceipt[]> {
  inputs.forEach(validateAuditEntry);
  return (await writeEntries(manager, engine, keysFile, inputs, false)).receipts;
}

async function writeEntries(manager: SqlRunner, engine: Engine, keysFile: string, inputs: readonly AuditEntryInput[], anchorOnly: boolean): Promise<WriteResult> {
  if (inputs.length === 0 && !anchorOnly) return { receipts: [] };
  const { id: keyId, key } = auditKeyRing(keysFile).current();
  const head = await lockHead(manager, engine);
  let seq = head.seq;
  let prev = head.hash;
  const rows: AuditEntry[] = [];
  const add = (input: AuditEntryInput) => {
    seq += 1;
    const base = {
      seq,
      time: (input.time ?? new Date()).toISOString(),
      actor: input.actor,
      peer: input.peer,
      contract: input.contract,
      action: input.action,
      logicalAddress: input.logicalAddress ?? null,
      outcome: input.outcome ?? null,
      criteria: canonicalJson(input.criteria),
      recordCount: input.recordCount,
      correlationId: input.correlationId ?? null,
      logId: input.logId ?? null,
      keyId,
      prevHash: prev,
    };
    prev = keyedEntryHash(base, key);
    rows.push({ ...base, hash: prev });
  };
  // An unkeyed head means the chain was written before the upgrade: anchor it first (a fresh chain, seq 0, needs no anchor).
  let anchor: AnchorReport | undefined;
  if (head.seq > 0 && head.keyId === null) {
    anchor = await checkUnkeyedChain(manager, engine, keysFile, head);
    add(anchorEntry(head, anchor));
  }
  inputs.forEach(add);
  if (rows.length === 0) return { receipts: [] };
  const sql = sqlFor(engine);
  const width = ENTRY_COLUMNS.split(',').length;
  const tuple = `(${Array(width).fill('?').join(', ')})`;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    await manager.query(sql(`INSERT INTO audit_entry (${ENTRY_COLUMNS}) VALUES ${Array(chunk.length).fill(tuple).join(', ')}`), chunk.flatMap(entryParams));
  }
  await manager.query(sql('UPDATE audit_chain_head SET seq = ?, hash = ?, key_id = ? WHERE id = 1'), [seq, prev, keyId]);
  const written = anchor ? rows.slice(1) : rows;
  return { receipts: written.map((r) => ({ seq: r.seq, hash: r.hash, keyId, time: r.time })), ...(anchor ? { anchor } : {}) };
}

interface AuditWriteJob {
  readonly engine: Engine;
  readonly keysFile: string;
  readonly inputs: readonly AuditEntryInput[];
}

/** The write program (sqlite-thread.ts) of one flush of queued entries. */
export async function appendAuditEntriesProgram(sql: SqlRunner, job: AuditWriteJob): Promise<AuditReceipt[]> {
  return (await writeEntries(sql, job.engine, job.keysFile, job.inputs, false)).receipts;
}

/** The write program that anchors an unkeyed chain if it has not been anchored yet. */
export async function anchorAuditChainProgram(sql: SqlRunner, job: Omit<AuditWriteJob, 'inputs'>): Promise<AnchorReport | null> {
  return (await writeEntries(sql, job.engine, job.keysFile, [], true)).anchor ?? null;
}

export const APPEND_AUDIT_ENTRIES = dbProgram(import.meta.url, appendAuditEntriesProgram);
export const ANCHOR_AUDIT_CHAIN = dbProgram(import.meta.url, anchorAuditChainProgram);
