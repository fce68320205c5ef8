/**
 * The audit chain's rows and the rule that links them (docs/audit.md explains the design):
 *
 *   keyed entry:    hash(n) = HMAC-SHA256( key[keyId(n)], canonical JSON { v: 2, entry n's fields, keyId, prevHash: hash(n-1) } )
 *   unkeyed entry:  hash(n) = SHA-256( canonical JSON { v: 1, entry n's fields, prevHash } )   (written before the upgrade only)
 *
 * Unkeyed entries may only form the start of a chain, and must be followed by a keyed entry (the anchor
 * written at the upgrade, whose HMAC covers the last unkeyed hash); every entry after a keyed one is keyed.
 * `walkChain` checks exactly that, page by page, for audit:verify and for the one check at the upgrade.
 */
import { createHmac } from 'node:crypto';
import { EntitySchema } from 'typeorm';
import { canonicalJson, sha256Hex } from './canonical.js';

export const GENESIS_HASH = '0'.repeat(64);

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
  /** The audit key the entry was chained with; null for an entry written before the chain was keyed. */
  readonly keyId: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

// ---------------------------------------------------------------------------------------------
// Schema (migrations AuditTrail1767225600000 and AuditChainKeys1767225605000 create exactly this)

const bigintNumber = { to: (v: number) => v, from: (v: unknown) => Number(v) };

const AuditEntrySchema = new EntitySchema<AuditEntry>({
  name: 'AuditEntry',
  tableName: 'audit_entry',
  columns: {
    seq: { type: 'bigint', primary: true, transformer: bigintNumber },
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
    keyId: { name: 'key_id', type: 'varchar', length: 32, nullable: true },
    prevHash: { name: 'prev_hash', type: 'varchar', length: 64 },
    hash: { type: 'varchar', length: 64 },
  },
});

interface AuditChainHead {
  id: number;
  seq: number;
  hash: string;
  keyId: string | null;
}

const AuditChainHeadSchema = new EntitySchema<AuditChainHead>({
  name: 'AuditChainHead',
  tableName: 'audit_chain_head',
  columns: {
    id: { type: 'integer', primary: true },
    seq: { type: 'bigint', transformer: bigintNumber },
    hash: { type: 'varchar', length: 64 },
    keyId: { name: 'key_id', type: 'varchar', length: 32, nullable: true },
  },
});

export const AUDIT_ENTITIES = [AuditEntrySchema, AuditChainHeadSchema];

export const ENTRY_COLUMNS =
  'seq, time, actor, peer, contract, action, logical_address, outcome, criteria, record_count, correlation_id, log_id, key_id, prev_hash, hash';

/** A row as the drivers return it (ENTRY_COLUMNS). */
export interface RawAuditRow {
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
  key_id: string | null;
  prev_hash: string;
  hash: string;
}

export function rowToEntry(r: RawAuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
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
    keyId: r.key_id,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export function entryParams(e: AuditEntry): unknown[] {
  return [e.seq, e.time, e.actor, e.peer, e.contract, e.action, e.logicalAddress, e.outcome, e.criteria, e.recordCount, e.correlationId, e.logId, e.keyId, e.prevHash, e.hash];
}

// ---------------------------------------------------------------------------------------------
// Hashing

function hashedFields(entry: Omit<AuditEntry, 'hash' | 'keyId'>): Record<string, unknown> {
  return {
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
  };
}

/** The keyed link: changing this serialisation invalidates every stored chain. */
export function keyedEntryHash(entry: Omit<AuditEntry, 'hash' | 'keyId'> & { readonly keyId: string }, key: Buffer): string {
  return createHmac('sha256', key)
    .update(canonicalJson({ v: 2, ...hashedFields(entry), keyId: entry.keyId }), 'utf8')
    .digest('hex');
}

/** The unkeyed link of entries written before the upgrade; only ever checked, never written. */
export function unkeyedEntryHash(entry: Omit<AuditEntry, 'hash' | 'keyId'>): string {
  return sha256Hex(canonicalJson({ v: 1, ...hashedFields(entry) }));
}

// ---------------------------------------------------------------------------------------------
// Walking the chain

export type AuditBreakReason =
  | 'missing-entry'
  | 'hash-mismatch'
  | 'prev-hash-mismatch'
  | 'head-mismatch'
  | 'unkeyed-entry'
  | 'unknown-key'
  | 'published-head-mismatch';

interface AuditChainBreak {
  /** The first seq whose entry is missing, altered or out of place. */
  readonly brokenAt: number;
  readonly reason: AuditBreakReason;
  readonly detail: string;
}

export interface ChainWalk {
  readonly broken?: AuditChainBreak;
  /** Entries that verified (before the break, if any). */
  readonly entries: number;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly lastKeyId: string | null;
  /** Whether any keyed entry was seen. */
  readonly keyed: boolean;
}

export interface WalkOptions {
  /** Rows with seq > afterSeq, in seq order, at most `limit`. */
  readonly page: (afterSeq: number, limit: number) => Promise<RawAuditRow[]>;
  readonly pageSize: number;
  /** The audit key with this id, or undefined when it is unknown. */
  readonly keyFor: (keyId: string) => Buffer | undefined;
  /** Extra check of each verified entry (published heads). */
  readonly check?: (entry: AuditEntry) => AuditChainBreak | undefined;
}

/** Checks links, seq continuity and the keyed rule from seq 1 on; stops at the first break. */
export async function walkChain(options: WalkOptions): Promise<ChainWalk> {
  let expected = 1;
  let prev = GENESIS_HASH;
  let lastKeyId: string | null = null;
  let keyed = false;
  let entries = 0;
  const stop = (broken: AuditChainBreak): ChainWalk => ({ broken, entries, lastSeq: expected - 1, lastHash: prev, lastKeyId, keyed });
  for (;;) {
    const rows = await options.page(expected - 1, options.pageSize);
    for (const r of rows) {
      const e = rowToEntry(r);
      if (e.seq !== expected) return stop({ brokenAt: expected, reason: 'missing-entry', detail: `expected seq ${expected}, found ${e.seq}` });
      if (e.prevHash !== prev) return stop({ brokenAt: e.seq, reason: 'prev-hash-mismatch', detail: `prev_hash does not match the hash of seq ${e.seq - 1}` });
      if (e.keyId === null) {
        if (keyed) return stop({ brokenAt: e.seq, reason: 'unkeyed-entry', detail: 'an unkeyed entry after keyed ones (only entries from before the upgrade may be unkeyed)' });
        if (unkeyedEntryHash(e) !== e.hash) return stop({ brokenAt: e.seq, reason: 'hash-mismatch', detail: 'stored hash does not match the entry content' });
      } else {
        const key = options.keyFor(e.keyId);
        if (!key) return stop({ brokenAt: e.seq, reason: 'unknown-key', detail: `audit key ${e.keyId} is not in the keys file (a forged key id, or not the keys file the producers use)` });
        if (keyedEntryHash({ ...e, keyId: e.keyId }, key) !== e.hash) return stop({ brokenAt: e.seq, reason: 'hash-mismatch', detail: 'stored HMAC does not match the entry content' });
        keyed = true;
      }
      const extra = options.check?.(e);
      if (extra) return stop(extra);
      prev = e.hash;
      lastKeyId = e.keyId;
      expected += 1;
      entries += 1;
    }
    if (rows.length < options.pageSize) return { entries, lastSeq: expected - 1, lastHash: prev, lastKeyId, keyed };
  }
}
