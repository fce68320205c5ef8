/**
 * The audit trail (README "Audit trail", docs/audit.md), the one way every domain records who did what
 * to personal data: SearchPersonnel, the case hub, and anything else that touches it. Domains get an
 * `AuditLog` (below) from the composition root, and build their entries with `auditFromContext`
 * (src/soap/audit-context.ts) when they serve a request.
 *
 * The files behind it, one idea each: the chain's rows and link rule (audit-chain.ts), its keys
 * (audit-keys.ts), the writer that appends at the head (audit-write.ts), verification (audit-verify.ts),
 * publishing the head outside the database (audit-head.ts), and the identifier hash (audit-identifiers.ts).
 *
 * Throughput: `AuditTrail.append()` queues the entry and a background flush writes everything queued
 * in ONE transaction (group commit); each caller's promise resolves after that commit. On SQLite the
 * flush runs on the database thread (sqlite-thread.ts), so its fsync does not stall the event loop. While a flush
 * commits, new entries gather for the next one, so batches grow with load and the cost per entry falls.
 * `appendInTransaction(sql, entries)` writes inside the caller's own transaction instead (the case
 * hub: push + audit commit together, or neither does). A write program on SQLite's database thread, which
 * has no AuditTrail, calls the writer itself: `writeAuditEntries(sql, engine, entries, keysFile)`.
 */
import type { Logger } from 'pino';
import type { Database } from './database.js';
import type { SqlRunner } from './sql.js';
import { auditKeyRing } from './audit-keys.js';
import { AuditHeadWatcher, type AuditHeadOptions } from './audit-head.js';
import {
  ANCHOR_AUDIT_CHAIN,
  APPEND_AUDIT_ENTRIES,
  validateAuditEntry,
  writeAuditEntries,
  type AnchorReport,
  type AuditEntryInput,
  type AuditReceipt,
} from './audit-write.js';
import { GroupCommitQueue, type Pending } from './group-commit.js';

export { AUDIT_ENTITIES } from './audit-chain.js';
export { verifyAuditChain } from './audit-verify.js';
export type { AuditHead } from './audit-head.js';
export { writeAuditEntries, type AnchorReport, type AuditEntryInput, type AuditReceipt } from './audit-write.js';
export { createIdentifierHasher, loadAuditHmacKey } from './audit-identifiers.js';

/**
 * What a domain gets to record in the audit trail; the same two calls for every domain.
 * Entries must already carry identity numbers hashed (createIdentifierHasher), never in clear.
 */
export interface AuditLog {
  /** Queues one entry; resolves after the transaction that writes it has committed (group commit). Rejects (DatabaseUnavailableError on outage) if that fails. */
  append(entry: AuditEntryInput): Promise<AuditReceipt>;
  /**
   * Writes entries inside the caller's open transaction (the SqlRunner `db.transaction()` passes), so they
   * commit or roll back with the caller's own writes. Holds the chain lock until that transaction ends.
   */
  appendInTransaction(sql: SqlRunner, entries: AuditEntryInput | readonly AuditEntryInput[]): Promise<AuditReceipt[]>;
}

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

export class AuditTrail implements AuditLog {
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

  /** See AuditLog. */
  append(input: AuditEntryInput): Promise<AuditReceipt> {
    if (this.closed) return Promise.reject(new Error('audit trail is closed'));
    try {
      validateAuditEntry(input);
    } catch (err) {
      return Promise.reject(err);
    }
    // The entry's time is when it was appended, not when its batch reaches the database.
    return this.queue.add(input.time ? input : { ...input, time: new Date() });
  }

  /** See AuditLog; keep such transactions short, the chain lock is held until they end. */
  async appendInTransaction(sql: SqlRunner, entries: AuditEntryInput | readonly AuditEntryInput[]): Promise<AuditReceipt[]> {
    const list = Array.isArray(entries) ? (entries as readonly AuditEntryInput[]) : [entries as AuditEntryInput];
    return writeAuditEntries(sql, this.db.engine, list, this.options.keysFile);
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
