/**
 * The case hub's one data-access object, on the event loop: pushes (queued for group commit), the
 * overview read, the outbox for the notifier, retention and key rotation. Handlers never build SQL;
 * every statement binds its parameters. The hot paths' SQL lives in the database programs
 * (case-programs.ts), which run on SQLite's database thread; what they exchange with this store is in
 * case-rows.ts.
 *
 * Group commit (README, "Case hub", Durability). `push()` queues; one flush applies every queued push in
 * ONE write transaction and resolves each caller only after that transaction has committed (SQLite WAL
 * with synchronous=FULL, or PostgreSQL's fsync), so nothing is acknowledged before it is durable. While
 * a flush commits, new pushes gather for the next one, so batches grow with load. If a batch fails, its
 * pushes are retried one by one, so one bad push cannot fail its neighbours.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEntryInput, AuditLog } from '../storage/audit.js';
import type { Database, Engine } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { DatabaseUnavailableError } from '../storage/errors.js';
import { GroupCommitQueue, type Pending } from '../storage/group-commit.js';
import { APPLY_PUSHES, CLAIM_OUTBOX, MARK_DELIVERED, shareKeyRing } from './case-programs.js';
import { aad, SKIPPED_NO_MANDATE, type HistoryEntry, type HistoryPayload, type NotificationPayload, type OverviewQuery, type PageKey, type PushInput, type PushResult } from './case-rows.js';
import type { ConsentStatus } from './consent-store.js';
import { OVERVIEW_ROWS } from './overview-program.js';
import type { CaseKeyRing, Sealed } from './keys.js';
import { CASE_TABLES } from './schema.js';
import type { CaseContent } from './validation.js';

export interface StoredCase {
  readonly content: CaseContent;
  readonly revision: number;
  /** Newest first, at most the query's history cap. */
  readonly history: readonly HistoryEntry[];
  /** The case has more history entries than `history` holds. */
  readonly historyTruncated: boolean;
}

/** One page of an overview (docs/hub-people.md#reading). */
export interface OverviewPage {
  /** Reading on behalf without a mandate in effect: nothing was read. */
  readonly denied: boolean;
  readonly roles: readonly string[];
  readonly consentStatus?: ConsentStatus;
  readonly cases: readonly StoredCase[];
  /** The position after the page's last case when more cases follow. */
  readonly next?: PageKey;
}

export interface ClaimedNotification {
  readonly id: number;
  readonly token: string;
  readonly attempts: number;
  readonly payload: NotificationPayload;
}

export interface PurgedCase {
  readonly senderOrganisation: string;
  readonly caseId: string;
  readonly subjectHash: string;
}

/** Tries of each push of a failed batch, alone, before it fails. */
const RETRIES_ALONE = 3;

export interface CaseStoreOptions {
  /** Most pushes per transaction (default 256). */
  readonly maxBatch?: number;
  /** Called after a commit that queued notifications (the notifier's wake-up). */
  readonly onNotificationQueued?: () => void;
}

export class CaseStore {
  private readonly queue: GroupCommitQueue<PushInput, PushResult>;
  private readonly sql: (text: string) => string;

  constructor(
    private readonly db: Database,
    private readonly keys: CaseKeyRing,
    private readonly audit: Pick<AuditLog, 'appendInTransaction'>,
    private readonly options: CaseStoreOptions = {},
  ) {
    this.queue = new GroupCommitQueue({
      maxBatch: options.maxBatch ?? 256,
      // SQLite: several batches may wait for the database thread, which commits them together, in order,
      // so one case's pushes keep their order. PostgreSQL: one at a time, for the same order.
      maxInFlight: db.engine === 'sqlite' ? 4 : 1,
      flush: (batch) => this.runBatch(batch),
    });
    this.sql = sqlFor(db.engine);
    // The push program, when it runs on this thread (PostgreSQL), uses this ring.
    shareKeyRing(keys);
  }

  get engine(): Engine {
    return this.db.engine;
  }

  // -------------------------------------------------------------------------------------------
  // Pushes

  /** Applies one push; resolves after its transaction committed durably. */
  push(input: PushInput): Promise<PushResult> {
    return this.queue.add(input);
  }

  /** Resolves when every queued push has been committed (or failed). */
  drain(): Promise<void> {
    return this.queue.drain();
  }

  /** One transaction for these pushes (on SQLite, on the database thread). */
  private apply(inputs: readonly PushInput[]): Promise<PushResult[]> {
    return this.db.write(APPLY_PUSHES, { engine: this.db.engine, keysFile: this.keys.file, inputs });
  }

  private async runBatch(batch: ReadonlyArray<Pending<PushInput, PushResult>>): Promise<void> {
    try {
      const results = await this.apply(batch.map((p) => p.input));
      batch.forEach((p, i) => p.resolve(results[i]!));
      this.afterCommit(results);
      return;
    } catch (err) {
      if (err instanceof DatabaseUnavailableError) {
        batch.forEach((p) => p.reject(err));
        return;
      }
    }
    for (const p of batch) {
      let lastError: unknown;
      for (let attempt = 0; attempt < RETRIES_ALONE; attempt++) {
        try {
          const [result] = await this.apply([p.input]);
          p.resolve(result!);
          this.afterCommit([result!]);
          lastError = undefined;
          break;
        } catch (err) {
          lastError = err;
          if (err instanceof DatabaseUnavailableError) break;
        }
      }
      if (lastError !== undefined) p.reject(lastError);
    }
  }

  private afterCommit(results: readonly PushResult[]): void {
    if (results.some((r) => r.notificationId)) this.options.onNotificationQueued?.();
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /**
   * One page of the subject's cases, newest caseUpdated first, each with its newest history entries:
   * `pageSize` cases at most, and `historyCap` entries per case at most.
   */
  async overview(query: Omit<OverviewQuery, 'limit' | 'historyLimit'>, pageSize: number, historyCap: number): Promise<OverviewPage> {
    const rows = await this.db.readProgram(OVERVIEW_ROWS, {
      engine: this.db.engine,
      keysFile: this.keys.file,
      query: { ...query, limit: pageSize + 1, historyLimit: historyCap + 1 },
    });
    const history = new Map<number, HistoryEntry[]>();
    for (const h of rows.history) {
      const caseRowId = Number(h.case_row_id);
      const revision = Number(h.revision);
      const p = JSON.parse(this.keys.open({ keyId: h.key_id, blob: h.content }, aad.history(caseRowId, revision))) as HistoryPayload;
      const list = history.get(caseRowId) ?? [];
      list.push({ revision, status: p.status, statusDate: p.statusDate, caseUpdated: p.caseUpdated });
      history.set(caseRowId, list);
    }
    const page = rows.cases.slice(0, pageSize);
    const last = page[page.length - 1];
    return {
      denied: rows.denied,
      roles: rows.roles,
      ...(rows.consentStatus ? { consentStatus: rows.consentStatus } : {}),
      cases: page.map((r) => {
        const entries = history.get(Number(r.id)) ?? [];
        return {
          content: JSON.parse(this.keys.open({ keyId: r.key_id, blob: r.content }, aad.case(r.sender_org, r.case_id))) as CaseContent,
          revision: Number(r.revision),
          history: entries.slice(0, historyCap),
          historyTruncated: entries.length > historyCap,
        };
      }),
      ...(rows.cases.length > pageSize && last ? { next: { caseUpdated: last.case_updated, id: Number(last.id) } } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Outbox

  /**
   * Claims up to `limit` due notifications for `leaseMs`: a short transaction that marks them with a
   * claim token and lease. On PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`, so two instances
   * polling at once take disjoint rows; the lease then keeps them out of every other poll until this
   * instance reports back. Delivery happens outside any transaction. `skipped`: representatives' notices the
   * claim closed because no mandate in effect covers their case any more (docs/hub-people.md#notices).
   *
   * The claim's commit is not synced (WriteOptions.durable false): a claim lost to a power loss only
   * makes its rows due again (and a skip is decided again), which at-least-once delivery allows after a
   * failure; pushes, which are acknowledged, keep their synced commits (docs/performance.md).
   */
  async claimDue(limit: number, leaseMs: number): Promise<{ claimed: ClaimedNotification[]; skipped: number }> {
    const now = new Date();
    const token = randomUUID();
    const { rows, skipped } = await this.db.write(
      CLAIM_OUTBOX,
      {
        engine: this.db.engine,
        keysFile: this.keys.file,
        limit: Math.max(1, Math.floor(limit)),
        now: now.toISOString(),
        until: new Date(now.getTime() + leaseMs).toISOString(),
        token,
      },
      { durable: false },
    );
    const claimed = rows.map((r) => ({
      id: Number(r.id),
      token,
      attempts: Number(r.attempts),
      payload: JSON.parse(this.keys.open({ keyId: r.key_id, blob: r.content }, aad.outbox(r.notification_id))) as NotificationPayload,
    }));
    return { claimed, skipped };
  }

  /**
   * Marks claimed notifications delivered, all in one transaction (one commit per dispatcher round, not
   * one per notification, so delivery does not compete with pushes for the write lock). Returns the ids
   * whose claim still held; a missing id means the lease lapsed and the row was re-claimed. Not synced,
   * like the claim: a mark lost to a power loss means one more delivery of a notification that was
   * already delivered, which the receiver deduplicates by notificationId.
   */
  async markDelivered(delivered: readonly ClaimedNotification[]): Promise<Set<number>> {
    if (delivered.length === 0) return new Set();
    // One statement per claim token (a round's rows share one): the token guards against a lapsed lease.
    const byToken = new Map<string, number[]>();
    for (const n of delivered) byToken.set(n.token, [...(byToken.get(n.token) ?? []), n.id]);
    const ids = await this.db.write(MARK_DELIVERED, { engine: this.db.engine, at: new Date().toISOString(), claims: [...byToken] }, { durable: false });
    return new Set(ids);
  }

  /** Releases a claim after a failed delivery, to be retried at `nextAttempt`. `error` must hold no personal data. */
  async markFailed(n: ClaimedNotification, nextAttempt: Date, error: string): Promise<void> {
    await this.db.transaction((m) =>
      m.query(
        this.sql(
          `UPDATE ${CASE_TABLES.outbox} SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_until = NULL, claim_token = NULL WHERE id = ? AND claim_token = ?`,
        ),
        [nextAttempt.toISOString(), error.slice(0, 200), n.id, n.token],
      ),
    );
  }

  /** Counts of the outbox (tests, operations); `delivered` includes the skipped. */
  async outboxCounts(): Promise<{ pending: number; delivered: number; skipped: number }> {
    const rows: Array<{ pending: unknown; delivered: unknown; skipped: unknown }> = await this.db.read((m) =>
      m.query(
        this.sql(
          `SELECT SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END) AS pending, SUM(CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END) AS delivered,` +
            ` SUM(CASE WHEN delivered_at IS NOT NULL AND last_error = ? THEN 1 ELSE 0 END) AS skipped FROM ${CASE_TABLES.outbox}`,
        ),
        [SKIPPED_NO_MANDATE],
      ),
    );
    return { pending: Number(rows[0]?.pending ?? 0), delivered: Number(rows[0]?.delivered ?? 0), skipped: Number(rows[0]?.skipped ?? 0) };
  }

  // -------------------------------------------------------------------------------------------
  // Retention

  /**
   * Deletes up to `limit` CLOSED cases whose caseUpdated (the closing update) is before `cutoff`,
   * with their history and notifications, and audits each deletion in the same transaction.
   */
  async purgeClosedBefore(cutoff: Date, limit: number, auditFor: (c: PurgedCase) => AuditEntryInput): Promise<PurgedCase[]> {
    const cutoffIso = cutoff.toISOString();
    const lock = this.db.engine === 'postgres' ? ' FOR UPDATE' : '';
    return this.db.transaction(async (m) => {
      const rows: Array<{ id: number; sender_org: string; case_id: string; subject_hash: string }> = await m.query(
        this.sql(
          `SELECT id, sender_org, case_id, subject_hash FROM ${CASE_TABLES.case} WHERE status = 'CLOSED' AND case_updated < ? ORDER BY id LIMIT ${Math.max(1, Math.floor(limit))}${lock}`,
        ),
        [cutoffIso],
      );
      if (rows.length === 0) return [];
      const ids = rows.map((r) => Number(r.id));
      const marks = ids.map(() => '?').join(', ');
      await m.query(this.sql(`DELETE FROM ${CASE_TABLES.outbox} WHERE case_row_id IN (${marks})`), ids);
      await m.query(this.sql(`DELETE FROM ${CASE_TABLES.history} WHERE case_row_id IN (${marks})`), ids);
      await m.query(this.sql(`DELETE FROM ${CASE_TABLES.case} WHERE id IN (${marks})`), ids);
      const purged = rows.map((r) => ({ senderOrganisation: r.sender_org, caseId: r.case_id, subjectHash: r.subject_hash }));
      await this.audit.appendInTransaction(m, purged.map(auditFor));
      return purged;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Key rotation

  /**
   * Re-encrypts up to `limit` rows per table that are not under the current key; returns how many.
   * Each batch is its own short transaction, so reads and pushes go on between batches; a row is
   * rewritten only if its key id is still the one read (a push may have rewritten it meanwhile).
   */
  async reencryptBatch(limit: number): Promise<number> {
    const current = this.keys.currentKeyId;
    const lock = this.db.engine === 'postgres' ? ' FOR UPDATE' : '';
    const n = Math.max(1, Math.floor(limit));
    const tables: Array<{ table: string; columns: string; aad: (r: Record<string, unknown>) => string }> = [
      { table: CASE_TABLES.case, columns: 'sender_org, case_id', aad: (r) => aad.case(String(r.sender_org), String(r.case_id)) },
      { table: CASE_TABLES.history, columns: 'case_row_id, revision', aad: (r) => aad.history(Number(r.case_row_id), Number(r.revision)) },
      { table: CASE_TABLES.outbox, columns: 'notification_id', aad: (r) => aad.outbox(String(r.notification_id)) },
    ];
    let total = 0;
    for (const t of tables) {
      total += await this.db.transaction(async (m) => {
        const rows: Array<Record<string, unknown> & { id: number; key_id: string; content: string }> = await m.query(
          this.sql(`SELECT id, key_id, content, ${t.columns} FROM ${t.table} WHERE key_id <> ? ORDER BY id LIMIT ${n}${lock}`),
          [current],
        );
        for (const r of rows) {
          const additional = t.aad(r);
          const resealed: Sealed = this.keys.seal(this.keys.open({ keyId: r.key_id, blob: r.content }, additional), additional);
          await m.query(this.sql(`UPDATE ${t.table} SET key_id = ?, content = ? WHERE id = ? AND key_id = ?`), [
            resealed.keyId,
            resealed.blob,
            Number(r.id),
            r.key_id,
          ]);
        }
        return rows.length;
      });
    }
    return total;
  }
}
