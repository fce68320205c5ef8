/**
 * The audit trail (spec §4.4), shared by SearchPersonnel, the case hub and anything else that touches
 * personal data: an append-only table `audit_entry` whose rows form a SHA-256 hash chain.
 *
 *   hash(n) = SHA-256( canonical JSON of { entry n's stored fields, prevHash: hash(n-1) } )
 *
 * `seq` is assigned by us (head.seq + 1) under the chain lock, never by a sequence, so it has no gaps:
 * a missing seq is a deleted entry. The chain head (last seq and hash) lives in `audit_chain_head`
 * (one row, id = 1); every append locks that row first, so the chain never forks, also with several
 * producer instances on one PostgreSQL (`SELECT … FOR UPDATE` on the head row; on SQLite the
 * write transaction is BEGIN IMMEDIATE, i.e. already exclusive).
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
import { EntitySchema } from 'typeorm';
import type { Logger } from 'pino';
import type { RequestContext } from '../soap/context.js';
import type { Database, Engine, SqlRunner } from './database.js';
import { createPrivateFile } from '../private-files.js';
import { sqlFor } from './sql.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { guard } from './errors.js';
import { GroupCommitQueue, type Pending } from './group-commit.js';
import { dbProgram } from './sqlite-thread.js';

export const GENESIS_HASH = '0'.repeat(64);

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

/** A stored entry, as read back. */
export interface AuditEntry {
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly peer: string;
  readonly contract: string;
  readonly action: string;
  readonly logicalAddress: string | null;
  readonly outcome: string | null;
  /** Canonical JSON text, exactly as hashed. */
  readonly criteria: string;
  readonly recordCount: number;
  readonly correlationId: string | null;
  readonly logId: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditReceipt {
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
}

/** Fills actor, peer, logical address, correlation id and logId from the handler's RequestContext. */
export function auditFromContext(
  context: Pick<RequestContext, 'consumerHsaId' | 'peerHsaId' | 'contractName' | 'logicalAddress' | 'correlationId' | 'logId'>,
  fields: Pick<AuditEntryInput, 'action' | 'criteria' | 'recordCount'> & Partial<AuditEntryInput>,
): AuditEntryInput {
  return {
    actor: context.consumerHsaId,
    peer: context.peerHsaId,
    contract: context.contractName,
    logicalAddress: context.logicalAddress,
    correlationId: context.correlationId,
    logId: context.logId,
    ...fields,
  };
}

// ---------------------------------------------------------------------------------------------
// Schema (the migration AuditTrail1767225600000 creates exactly this; column types are explicit)

export const AuditEntrySchema = new EntitySchema<AuditEntry>({
  name: 'AuditEntry',
  tableName: 'audit_entry',
  columns: {
    seq: { type: 'bigint', primary: true, transformer: { to: (v: number) => v, from: (v: unknown) => Number(v) } },
    time: { type: 'varchar', length: 30 },
    actor: { type: 'varchar', length: 64 },
    peer: { type: 'varchar', length: 64 },
    contract: { type: 'varchar', length: 64 },
    action: { type: 'varchar', length: 32 },
    logicalAddress: { name: 'logical_address', type: 'varchar', length: 128, nullable: true },
    outcome: { type: 'varchar', length: 32, nullable: true },
    criteria: { type: 'text' },
    recordCount: { name: 'record_count', type: 'integer' },
    correlationId: { name: 'correlation_id', type: 'varchar', length: 128, nullable: true },
    logId: { name: 'log_id', type: 'varchar', length: 64, nullable: true },
    prevHash: { name: 'prev_hash', type: 'varchar', length: 64 },
    hash: { type: 'varchar', length: 64 },
  },
});

export interface AuditChainHead {
  id: number;
  seq: number;
  hash: string;
}

export const AuditChainHeadSchema = new EntitySchema<AuditChainHead>({
  name: 'AuditChainHead',
  tableName: 'audit_chain_head',
  columns: {
    id: { type: 'integer', primary: true },
    seq: { type: 'bigint', transformer: { to: (v: number) => v, from: (v: unknown) => Number(v) } },
    hash: { type: 'varchar', length: 64 },
  },
});

export const AUDIT_ENTITIES = [AuditEntrySchema, AuditChainHeadSchema];

// ---------------------------------------------------------------------------------------------
// Hashing

/** The canonical serialisation that is hashed; changing it invalidates every stored chain. */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      v: 1,
      seq: entry.seq,
      time: entry.time,
      actor: entry.actor,
      peer: entry.peer,
      contract: entry.contract,
      action: entry.action,
      logicalAddress: entry.logicalAddress,
      outcome: entry.outcome,
      criteria: entry.criteria,
      recordCount: entry.recordCount,
      correlationId: entry.correlationId,
      logId: entry.logId,
      prevHash: entry.prevHash,
    }),
  );
}

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

const INSERT_COLUMNS =
  'seq, time, actor, peer, contract, action, logical_address, outcome, criteria, record_count, correlation_id, log_id, prev_hash, hash';
const ROWS_PER_INSERT = 200;

function validate(input: AuditEntryInput): void {
  for (const k of ['actor', 'peer', 'contract', 'action'] as const) {
    if (typeof input[k] !== 'string' || input[k].length === 0) throw new TypeError(`audit entry: ${k} is required`);
  }
  if (!Number.isInteger(input.recordCount) || input.recordCount < 0) throw new TypeError('audit entry: recordCount must be an integer ≥ 0');
}

async function lockHead(manager: SqlRunner, engine: Engine): Promise<{ seq: number; hash: string }> {
  const rows: Array<{ seq: unknown; hash: string }> = await manager.query(
    engine === 'postgres'
      ? 'SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE'
      : 'SELECT seq, hash FROM audit_chain_head WHERE id = 1',
  );
  const head = rows[0];
  if (!head) throw new Error('audit_chain_head has no row: the AuditTrail migration has not run');
  return { seq: Number(head.seq), hash: head.hash };
}

/**
 * Writes entries at the chain head inside an open write transaction (a db.transaction(), or a write
 * program on SQLite's database thread). Callers validate first (AuditTrail does).
 */
export async function writeAuditEntries(manager: SqlRunner, engine: Engine, inputs: readonly AuditEntryInput[]): Promise<AuditReceipt[]> {
  inputs.forEach(validate);
  return writeEntries(manager, engine, inputs);
}

async function writeEntries(manager: SqlRunner, engine: Engine, inputs: readonly AuditEntryInput[]): Promise<AuditReceipt[]> {
  if (inputs.length === 0) return [];
  const head = await lockHead(manager, engine);
  let seq = head.seq;
  let prev = head.hash;
  const rows: AuditEntry[] = [];
  for (const input of inputs) {
    seq += 1;
    const base: Omit<AuditEntry, 'hash'> = {
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
      prevHash: prev,
    };
    const hash = auditEntryHash(base);
    rows.push({ ...base, hash });
    prev = hash;
  }
  const sql = sqlFor(engine);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    const params = chunk.flatMap((r) => [r.seq, r.time, r.actor, r.peer, r.contract, r.action, r.logicalAddress, r.outcome, r.criteria, r.recordCount, r.correlationId, r.logId, r.prevHash, r.hash]);
    const tuple = `(${Array(params.length / chunk.length).fill('?').join(', ')})`;
    await manager.query(sql(`INSERT INTO audit_entry (${INSERT_COLUMNS}) VALUES ${Array(chunk.length).fill(tuple).join(', ')}`), params);
  }
  await manager.query(sql('UPDATE audit_chain_head SET seq = ?, hash = ? WHERE id = 1'), [seq, prev]);
  return rows.map((r) => ({ seq: r.seq, hash: r.hash, time: r.time }));
}

/** The write program (sqlite-thread.ts) of one flush of queued entries. */
export function appendAuditEntriesProgram(sql: SqlRunner, job: { readonly engine: Engine; readonly inputs: readonly AuditEntryInput[] }): Promise<AuditReceipt[]> {
  return writeEntries(sql, job.engine, job.inputs);
}

const APPEND_AUDIT_ENTRIES = dbProgram(import.meta.url, appendAuditEntriesProgram);

export interface AuditTrailOptions {
  /** Most entries written per transaction (default 500). */
  readonly maxBatch?: number;
  /**
   * How long the first queued entry waits for company before a flush starts (default 0: the next
   * event-loop turn). Entries arriving while a flush commits always wait for the next flush.
   */
  readonly maxDelayMs?: number;
  readonly logger?: Logger;
}

export class AuditTrail {
  private readonly queue: GroupCommitQueue<AuditEntryInput, AuditReceipt>;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly options: AuditTrailOptions = {},
  ) {
    this.queue = new GroupCommitQueue({
      maxBatch: options.maxBatch ?? 500,
      maxDelayMs: options.maxDelayMs ?? 0,
      // SQLite: several flushes may wait for the database thread, which commits them together, in order.
      maxInFlight: db.engine === 'sqlite' ? 4 : 1,
      flush: (batch) => this.write(batch),
    });
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
    return writeAuditEntries(manager, this.db.engine, list);
  }

  /** Resolves when everything queued so far is committed (or failed). */
  flush(): Promise<void> {
    return this.queue.drain();
  }

  /** Stops accepting entries and writes what is queued. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async write(batch: ReadonlyArray<Pending<AuditEntryInput, AuditReceipt>>): Promise<void> {
    try {
      const receipts = await this.db.write(APPEND_AUDIT_ENTRIES, { engine: this.db.engine, inputs: batch.map((p) => p.input) });
      batch.forEach((p, i) => p.resolve(receipts[i]!));
    } catch (err) {
      this.options.logger?.error({ err, entries: batch.length }, 'audit: batch append failed');
      batch.forEach((p) => p.reject(err));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

export type AuditVerifyResult =
  | { readonly ok: true; readonly entries: number; readonly headSeq: number; readonly headHash: string }
  | {
      readonly ok: false;
      /** The first seq whose entry is missing, altered or out of place. */
      readonly brokenAt: number;
      readonly reason: 'missing-entry' | 'hash-mismatch' | 'prev-hash-mismatch' | 'head-mismatch';
      readonly detail: string;
      readonly entriesChecked: number;
    };

interface RawRow {
  seq: unknown;
  time: string;
  actor: string;
  peer: string;
  contract: string;
  action: string;
  logical_address: string | null;
  outcome: string | null;
  criteria: string;
  record_count: unknown;
  correlation_id: string | null;
  log_id: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * Walks the whole chain in seq order, page by page. Detects edited rows (hash mismatch), deleted rows
 * (a gap in seq, or a missing tail: the head row records the last seq and hash), and reordered rows.
 * Deleting the tail AND rewriting the head row is only detectable against an external copy of the head
 * hash: `npm run audit:verify` prints it; record it elsewhere (logs, a ticket) now and then.
 */
export async function verifyAuditChain(db: Database, options: { pageSize?: number } = {}): Promise<AuditVerifyResult> {
  const pageSize = options.pageSize ?? 2000;
  const sql = sqlFor(db.engine)(`SELECT ${INSERT_COLUMNS} FROM audit_entry WHERE seq > ? ORDER BY seq LIMIT ${pageSize}`);
  let expected = 1;
  let prev = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows: RawRow[] = await guard(() => db.read((m) => m.query(sql, [expected - 1])));
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expected) {
        return { ok: false, brokenAt: expected, reason: 'missing-entry', detail: `expected seq ${expected}, found ${seq}`, entriesChecked: checked };
      }
      const entry: Omit<AuditEntry, 'hash'> = {
        seq,
        time: r.time,
        actor: r.actor,
        peer: r.peer,
        contract: r.contract,
        action: r.action,
        logicalAddress: r.logical_address,
        outcome: r.outcome,
        criteria: r.criteria,
        recordCount: Number(r.record_count),
        correlationId: r.correlation_id,
        logId: r.log_id,
        prevHash: r.prev_hash,
      };
      if (r.prev_hash !== prev) {
        return { ok: false, brokenAt: seq, reason: 'prev-hash-mismatch', detail: `prev_hash does not match the hash of seq ${seq - 1}`, entriesChecked: checked };
      }
      if (auditEntryHash(entry) !== r.hash) {
        return { ok: false, brokenAt: seq, reason: 'hash-mismatch', detail: 'stored hash does not match the entry content', entriesChecked: checked };
      }
      prev = r.hash;
      expected += 1;
      checked += 1;
    }
    if (rows.length < pageSize) break;
  }
  const headRows: Array<{ seq: unknown; hash: string }> = await db.read((m) => m.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1'));
  const head = headRows[0];
  const lastSeq = expected - 1;
  if (!head || Number(head.seq) !== lastSeq || head.hash !== prev) {
    const headSeq = head ? Number(head.seq) : 0;
    return {
      ok: false,
      brokenAt: headSeq === lastSeq ? lastSeq : Math.min(headSeq, lastSeq) + 1,
      reason: headSeq > lastSeq ? 'missing-entry' : 'head-mismatch',
      detail: `chain head says seq ${headSeq}, the table ends at seq ${lastSeq}`,
      entriesChecked: checked,
    };
  }
  return { ok: true, entries: checked, headSeq: lastSeq, headHash: prev };
}
