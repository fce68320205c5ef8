/**
 * The audit trail (README "Audit trail", docs/audit.md), shared by
 * SearchPersonnel, the case hub and anything else that touches personal data: an append-only table
 * `audit_entry` whose rows form a chain keyed with an HMAC key kept outside the database (audit-keys.ts),
 * so that someone who can write to the database but does not hold the key cannot rewrite, reorder or
 * remove an entry undetected. The link rule and its check are audit-chain.ts; verification is
 * audit-verify.ts; publishing the head outside the database is audit-head.ts.
 *
 * `seq` is assigned by us (head.seq + 1) under the chain lock, never by a sequence, so it has no gaps:
 * a missing seq is a deleted entry. The chain head (last seq, hash and key id) lives in `audit_chain_head`
 * (one row, id = 1); every append locks that row first, so the chain never forks, also with several
 * producer instances on one PostgreSQL (`SELECT … FOR UPDATE` on the head row; on SQLite the
 * write transaction is BEGIN IMMEDIATE, i.e. already exclusive).
 *
 * The upgrade from the unkeyed chain: the first write under the lock that finds an unkeyed head checks the
 * unkeyed chain once and writes an anchor entry (keyed, so its HMAC covers the last unkeyed hash) before
 * anything else; nothing is rehashed. `AuditTrail.anchor()` does it at start.
 *
 * Throughput: `AuditTrail.append()` queues the entry and a background flush writes everything queued
 * in ONE transaction (group commit); each caller's promise resolves after that commit. On SQLite the
 * flush runs on the database thread (sqlite-thread.ts), so its fsync does not stall the event loop. While a flush
 * commits, new entries gather for the next one, so batches grow with load and the cost per entry falls.
 * `appendInTransaction(manager, entries)` writes inside the caller's own transaction instead (the case
 * hub: push + audit commit together, or neither does).
 *
 * Identity numbers never enter the trail in clear: callers put `hashIdentifier(pnr, key)` (HMAC-SHA256)
 * into `criteria`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Engine, SqlRunner, Database } from './database.js';
import { createPrivateFile } from '../private-files.js';
import { sqlFor } from './sql.js';
import { canonicalJson } from './canonical.js';
import { ENTRY_COLUMNS, entryParams, keyedEntryHash, walkChain, type AuditEntry, type RawAuditRow } from './audit-chain.js';
import { auditKeyRing } from './audit-keys.js';
import { AuditHeadWatcher, type AuditHeadOptions } from './audit-head.js';
import { GroupCommitQueue, type Pending } from './group-commit.js';
import { dbProgram } from './sqlite-thread.js';

export { AUDIT_ENTITIES, GENESIS_HASH, type AuditEntry } from './audit-chain.js';
export { verifyAuditChain, type AuditVerifyResult } from './audit-verify.js';
export type { AuditHead, AuditHeadOptions } from './audit-head.js';

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
  /** The criteria or target, JSON; identity numbers must already be hashed with hashIdentifier(). */
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
// Identity numbers in criteria

/** Keyed hash of an identifier (personnummer, samordningsnummer, organisationsnummer) for audit criteria and lookups. */
export function hashIdentifier(value: string, key: Buffer): string {
  return createHmac('sha256', key).update(value.replace(/[\s-]/g, ''), 'utf8').digest('hex');
}

export function createIdentifierHasher(key: Buffer): (value: string) => string {
  if (key.length < 32) throw new Error('the identifier HMAC key must be at least 32 bytes');
  return (value) => hashIdentifier(value, key);
}

/**
 * The HMAC key for hashIdentifier(): `auditHmacKey` (hex, ≥ 64 hex digits, or base64 of ≥ 32 bytes) when
 * configured — required when several instances share one database — else `<dataDir>/audit-hmac.key`,
 * generated on first use (development).
 */
export function loadAuditHmacKey(options: { readonly dataDir: string; readonly auditHmacKey?: string | undefined }): Buffer {
  if (options.auditHmacKey) return parseKey(options.auditHmacKey, 'auditHmacKey');
  const file = path.join(options.dataDir, 'audit-hmac.key');
  try {
    createPrivateFile(file, randomBytes(32).toString('hex') + '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKey(fs.readFileSync(file, 'utf8').trim(), file);
}

function parseKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length < 32) throw new Error(`${source}: the audit HMAC key must be at least 32 bytes`);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Appending

const ROWS_PER_INSERT = 200;
const CHECK_PAGE = 2000;

function validate(input: AuditEntryInput): void {
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
  inputs.forEach(validate);
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

const APPEND_AUDIT_ENTRIES = dbProgram(import.meta.url, appendAuditEntriesProgram);
const ANCHOR_AUDIT_CHAIN = dbProgram(import.meta.url, anchorAuditChainProgram);

export interface AuditTrailOptions {
  /** The keys file holding the audit chain keys (config.keysFile); see audit-keys.ts. */
  readonly keysFile: string;
  /** Most entries written per transaction (default 500). */
  readonly maxBatch?: number;
  /**
   * How long the first queued entry waits for company before a flush starts (default 0: the next
   * event-loop turn). Entries arriving while a flush commits always wait for the next flush.
   */
  readonly maxDelayMs?: number;
  readonly logger?: Logger;
  /** Publishes the chain head outside the database (audit-head.ts); given by the composition root. */
  readonly head?: AuditHeadOptions;
}

export class AuditTrail {
  private readonly queue: GroupCommitQueue<AuditEntryInput, AuditReceipt>;
  private readonly heads: AuditHeadWatcher | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly options: AuditTrailOptions,
  ) {
    auditKeyRing(options.keysFile).current(); // fail at start, not at the first request, without audit keys
    this.queue = new GroupCommitQueue({
      maxBatch: options.maxBatch ?? 500,
      maxDelayMs: options.maxDelayMs ?? 0,
      // SQLite: several flushes may wait for the database thread, which commits them together, in order.
      maxInFlight: db.engine === 'sqlite' ? 4 : 1,
      flush: (batch) => this.write(batch),
    });
    this.heads = options.head ? new AuditHeadWatcher(db, options.head, options.logger) : undefined;
  }

  /**
   * Anchors the keyed chain on an unkeyed chain from before the upgrade, if that has not happened yet
   * (any first write would do it too; the composition root calls this at start). Returns what the one
   * check of the unkeyed chain found, or null when there was nothing to anchor.
   */
  async anchor(): Promise<AnchorReport | null> {
    const report = await this.db.write(ANCHOR_AUDIT_CHAIN, { engine: this.db.engine, keysFile: this.options.keysFile });
    if (report && report.intact) this.options.logger?.info(report, 'audit: keyed chain anchored on the unkeyed chain');
    if (report && !report.intact) this.options.logger?.error(report, 'audit: keyed chain anchored on an unkeyed chain that does not verify; npm run audit:verify reports where');
    return report;
  }

  /** Queues one entry; resolves after the transaction that writes it has committed. Rejects (DatabaseUnavailableError on outage) if that fails. */
  append(input: AuditEntryInput): Promise<AuditReceipt> {
    if (this.closed) return Promise.reject(new Error('audit trail is closed'));
    try {
      validate(input);
    } catch (err) {
      return Promise.reject(err);
    }
    // The entry's time is when it was appended, not when its batch reaches the database.
    return this.queue.add(input.time ? input : { ...input, time: new Date() });
  }

  /**
   * Writes entries inside the caller's open transaction — the manager passed by `db.transaction()` —
   * so the entries commit or roll back with the caller's own writes. Holds the chain lock until that
   * transaction ends (keep such transactions short).
   */
  async appendInTransaction(manager: SqlRunner, entries: AuditEntryInput | readonly AuditEntryInput[]): Promise<AuditReceipt[]> {
    const list = Array.isArray(entries) ? (entries as readonly AuditEntryInput[]) : [entries as AuditEntryInput];
    return writeAuditEntries(manager, this.db.engine, list, this.options.keysFile);
  }

  /** Resolves when everything queued so far is committed (or failed). */
  flush(): Promise<void> {
    return this.queue.drain();
  }

  /** Stops accepting entries, writes what is queued and publishes the head a last time. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.heads?.close();
  }

  private async write(batch: ReadonlyArray<Pending<AuditEntryInput, AuditReceipt>>): Promise<void> {
    try {
      const receipts = await this.db.write(APPEND_AUDIT_ENTRIES, { engine: this.db.engine, keysFile: this.options.keysFile, inputs: batch.map((p) => p.input) });
      batch.forEach((p, i) => p.resolve(receipts[i]!));
    } catch (err) {
      this.options.logger?.error({ err, entries: batch.length }, 'audit: batch append failed');
      batch.forEach((p) => p.reject(err));
    }
  }
}
