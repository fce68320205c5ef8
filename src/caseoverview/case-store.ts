/**
 * The case hub's one data-access module: pushes (with history, outbox and audit in one transaction),
 * the overview read, outbox claiming for the notifier, retention and key rotation. Handlers never
 * build SQL; every statement here binds its parameters.
 *
 * Group commit (spec §5.4, §8). `push()` queues; one flush applies every queued push in ONE write
 * transaction and resolves each caller only after that transaction has committed (SQLite WAL with
 * synchronous=FULL, or PostgreSQL's fsync), so nothing is acknowledged before it is durable. While a
 * flush commits, new pushes gather for the next one, so batches grow with load. If a batch fails,
 * its pushes are retried one by one, so one bad push cannot fail its neighbours.
 *
 * Several instances (PostgreSQL): each push locks its case row (`FOR UPDATE`); pushes in a batch are
 * applied in key order so two batches never lock the same rows in opposite orders. Two instances
 * creating the same new case at once: one insert loses on the unique key, its batch is retried one by
 * one, and the retry sees the winner's row.
 */
import { randomUUID } from 'node:crypto';
import { writeAuditEntries, type AuditEntryInput, type AuditLog } from '../storage/audit.js';
import { canonicalJson } from '../storage/canonical.js';
import type { Database, Engine, SqlRunner } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { DatabaseUnavailableError } from '../storage/errors.js';
import { GroupCommitQueue, type Pending } from '../storage/group-commit.js';
import { dbProgram } from '../storage/sqlite-thread.js';
import { CaseKeyRing, type Sealed } from './keys.js';
import { CASE_TABLES } from './schema.js';
import type { CaseContent, Subject } from './validation.js';

export type PushOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'STALE' | 'CONFLICT';

export interface PushInput {
  readonly content: CaseContent;
  readonly notify: boolean;
  /** A verified signature, kept as evidence with the history entry (with the envelope it signs). */
  readonly evidence?: { readonly signatureXml: string; readonly signedEnvelope: string };
  /**
   * This push's audit entry, committed in the push's own transaction. Applying the push sets its
   * outcome and record count, and adds revision, signed and notified to its criteria. Plain data, like
   * the rest of PushInput: on SQLite it crosses to the database thread.
   */
  readonly audit: AuditEntryInput;
}

export interface PushResult {
  readonly outcome: PushOutcome;
  readonly revision: number;
  readonly notificationId?: string;
}

/** What the notifier delivers (spec §5.4): who to tell and from whom; never case content. */
export interface NotificationPayload {
  readonly notificationId: string;
  readonly subject: { readonly [K in Subject['kind']]?: string };
  readonly senderOrganisation: { readonly organisationNumber: string; readonly name: string };
  readonly createdAt: string;
}

export interface HistoryEntry {
  readonly revision: number;
  readonly status: CaseContent['status'];
  readonly statusDate: string;
  readonly caseUpdated: string;
}

export interface StoredCase {
  readonly content: CaseContent;
  readonly revision: number;
  /** Newest first. */
  readonly history: readonly HistoryEntry[];
}

export interface OverviewFilter {
  readonly subjectHash: string;
  readonly senderOrganisation?: string;
  readonly statuses?: readonly string[];
  /** UTC ISO; cases with caseUpdated at or after it. */
  readonly updatedSince?: string;
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

interface HistoryPayload extends Omit<HistoryEntry, 'revision'> {
  readonly contentMac: string;
  readonly signatureXml?: string;
  readonly signedEnvelope?: string;
}

interface CaseRow {
  id: number;
  status: string;
  case_updated: string;
  revision: number;
  content_mac: string;
}


const IN_CHUNK = 400;
const RETRIES_ALONE = 3;

const aad = {
  case: (sender: string, caseId: string) => `${CASE_TABLES.case}:${sender}:${caseId}`,
  history: (caseRowId: number, revision: number) => `${CASE_TABLES.history}:${caseRowId}:${revision}`,
  outbox: (notificationId: string) => `${CASE_TABLES.outbox}:${notificationId}`,
};

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
    // Write programs that run on this thread (PostgreSQL, or inside a transaction) use this ring.
    if (!programKeyRings.has(keys.file)) programKeyRings.set(keys.file, keys);
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

  /** The subject's cases, newest caseUpdated first, each with its history newest first. */
  async overview(filter: OverviewFilter): Promise<StoredCase[]> {
    const { cases, history: historyRows } = await this.db.readProgram(OVERVIEW_ROWS, { engine: this.db.engine, filter });
    const history = new Map<number, HistoryEntry[]>();
    for (const h of historyRows) {
      const caseRowId = Number(h.case_row_id);
      const revision = Number(h.revision);
      const p = JSON.parse(this.keys.open({ keyId: h.key_id, blob: h.content }, aad.history(caseRowId, revision))) as HistoryPayload;
      const list = history.get(caseRowId) ?? [];
      list.push({ revision, status: p.status, statusDate: p.statusDate, caseUpdated: p.caseUpdated });
      history.set(caseRowId, list);
    }
    return cases.map((r) => ({
      content: JSON.parse(this.keys.open({ keyId: r.key_id, blob: r.content }, aad.case(r.sender_org, r.case_id))) as CaseContent,
      revision: Number(r.revision),
      history: history.get(Number(r.id)) ?? [],
    }));
  }


  // -------------------------------------------------------------------------------------------
  // Outbox

  /**
   * Claims up to `limit` due notifications for `leaseMs`: a short transaction that marks them with a
   * claim token and lease. On PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`, so two instances
   * polling at once take disjoint rows; the lease then keeps them out of every other poll until this
   * instance reports back. Delivery happens outside any transaction.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
    const now = new Date();
    const token = randomUUID();
    const rows = await this.db.write(CLAIM_OUTBOX, {
      engine: this.db.engine,
      limit: Math.max(1, Math.floor(limit)),
      now: now.toISOString(),
      until: new Date(now.getTime() + leaseMs).toISOString(),
      token,
    });
    return rows.map((r) => ({
      id: Number(r.id),
      token,
      attempts: Number(r.attempts),
      payload: JSON.parse(this.keys.open({ keyId: r.key_id, blob: r.content }, aad.outbox(r.notification_id))) as NotificationPayload,
    }));
  }

  /**
   * Marks claimed notifications delivered, all in one transaction (one commit per dispatcher round, not
   * one per notification, so delivery does not compete with pushes for the write lock). Returns the ids
   * whose claim still held; a missing id means the lease lapsed and the row was re-claimed.
   */
  async markDelivered(delivered: readonly ClaimedNotification[]): Promise<Set<number>> {
    if (delivered.length === 0) return new Set();
    // One statement per claim token (a round's rows share one): the token guards against a lapsed lease.
    const byToken = new Map<string, number[]>();
    for (const n of delivered) byToken.set(n.token, [...(byToken.get(n.token) ?? []), n.id]);
    const ids = await this.db.write(MARK_DELIVERED, { engine: this.db.engine, at: new Date().toISOString(), claims: [...byToken] });
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

  /** Counts of the outbox (tests, operations). */
  async outboxCounts(): Promise<{ pending: number; delivered: number }> {
    const rows: Array<{ pending: unknown; delivered: unknown }> = await this.db.read((m) =>
      m.query(
        `SELECT SUM(CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END) AS pending, SUM(CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END) AS delivered FROM ${CASE_TABLES.outbox}`,
      ),
    );
    return { pending: Number(rows[0]?.pending ?? 0), delivered: Number(rows[0]?.delivered ?? 0) };
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

// ---------------------------------------------------------------------------------------------
// Applying pushes (runs on SQLite's database thread, or in a db.transaction() on PostgreSQL)

/** The write program (storage/sqlite-thread.ts) of one group commit of pushes. */
export function applyPushesProgram(
  sql: SqlRunner,
  job: { readonly engine: Engine; readonly keysFile: string; readonly inputs: readonly PushInput[] },
): Promise<PushResult[]> {
  let keys = programKeyRings.get(job.keysFile);
  if (!keys) {
    keys = new CaseKeyRing(job.keysFile);
    programKeyRings.set(job.keysFile, keys);
  }
  return applyPushes(sql, job.engine, keys, job.inputs);
}

/**
 * The key rings of write programs, by keys file: on this thread the store's own, on the database thread one
 * loaded from the file. Each re-reads its file after a rotation.
 */
const programKeyRings = new Map<string, CaseKeyRing>();

const APPLY_PUSHES = dbProgram(import.meta.url, applyPushesProgram);

function pushAuditEntry(input: PushInput, result: PushResult): AuditEntryInput {
  return {
    ...input.audit,
    outcome: result.outcome,
    recordCount: result.outcome === 'CREATED' || result.outcome === 'UPDATED' ? 1 : 0,
    criteria: {
      ...input.audit.criteria,
      revision: result.revision,
      signed: input.evidence !== undefined,
      notified: result.notificationId !== undefined,
    },
  };
}

async function applyPushes(m: SqlRunner, engine: Engine, keys: CaseKeyRing, inputs: readonly PushInput[]): Promise<PushResult[]> {
  // Key order (stable, so one case's pushes keep their arrival order): a consistent lock order across instances.
  const order = inputs
    .map((input, index) => ({ input, index }))
    .sort((a, b) => {
      const ka = `${a.input.content.senderOrganisation.organisationNumber}\0${a.input.content.caseId}`;
      const kb = `${b.input.content.senderOrganisation.organisationNumber}\0${b.input.content.caseId}`;
      return ka < kb ? -1 : ka > kb ? 1 : a.index - b.index;
    });
  const results: PushResult[] = new Array(inputs.length);
  const auditEntries: AuditEntryInput[] = [];
  for (const { input, index } of order) {
    const result = await applyOne(m, engine, keys, input);
    results[index] = result;
    auditEntries.push(pushAuditEntry(input, result));
  }
  await writeAuditEntries(m, engine, auditEntries, keys.file);
  return results;
}

async function applyOne(m: SqlRunner, engine: Engine, keys: CaseKeyRing, input: PushInput): Promise<PushResult> {
  const sql = sqlFor(engine);
  const c = input.content;
  const sender = c.senderOrganisation.organisationNumber;
  const mac = keys.contentMac(canonicalJson(c));
  const lock = engine === 'postgres' ? ' FOR UPDATE' : '';
  const rows: CaseRow[] = await m.query(
    sql(`SELECT id, status, case_updated, revision, content_mac FROM ${CASE_TABLES.case} WHERE sender_org = ? AND case_id = ?${lock}`),
    [sender, c.caseId],
  );
  const existing = rows[0];
  const now = new Date().toISOString();
  const seal = () => keys.seal(JSON.stringify(c), aad.case(sender, c.caseId));
  const subjectHash = keys.subjectHash(c.subject.id);
  let caseRowId: number;
  let revision: number;
  let outcome: PushOutcome;
  if (!existing) {
    const sealed = seal();
    const inserted: Array<{ id: number }> = await m.query(
      sql(
        `INSERT INTO ${CASE_TABLES.case} (sender_org, case_id, subject_hash, status, case_updated, revision, content_mac, key_id, content, stored_at)` +
          ` VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id`,
      ),
      [sender, c.caseId, subjectHash, c.status, c.caseUpdated, mac, sealed.keyId, sealed.blob, now],
    );
    caseRowId = Number(inserted[0]!.id);
    revision = 1;
    outcome = 'CREATED';
  } else {
    const current = Number(existing.revision);
    // Ordering is by caseUpdated (spec §5.4); both sides are fixed-width UTC ISO text.
    if (c.caseUpdated < existing.case_updated) return { outcome: 'STALE', revision: current };
    if (c.caseUpdated === existing.case_updated) {
      return { outcome: existing.content_mac === mac ? 'UNCHANGED' : 'CONFLICT', revision: current };
    }
    caseRowId = Number(existing.id);
    revision = current + 1;
    outcome = 'UPDATED';
    const sealed = seal();
    await m.query(
      sql(
        `UPDATE ${CASE_TABLES.case} SET subject_hash = ?, status = ?, case_updated = ?, revision = ?, content_mac = ?, key_id = ?, content = ?, stored_at = ? WHERE id = ?`,
      ),
      [subjectHash, c.status, c.caseUpdated, revision, mac, sealed.keyId, sealed.blob, now, caseRowId],
    );
  }

  const history: HistoryPayload = {
    status: c.status,
    statusDate: c.statusDate,
    caseUpdated: c.caseUpdated,
    contentMac: mac,
    ...(input.evidence ? { signatureXml: input.evidence.signatureXml, signedEnvelope: input.evidence.signedEnvelope } : {}),
  };
  const h = keys.seal(JSON.stringify(history), aad.history(caseRowId, revision));
  await m.query(
    sql(`INSERT INTO ${CASE_TABLES.history} (case_row_id, revision, recorded_at, key_id, content) VALUES (?, ?, ?, ?, ?)`),
    [caseRowId, revision, now, h.keyId, h.blob],
  );

  // "New information" for the subject: a new case or a changed status, unless the sender said notify=false.
  const statusChanged = !existing || existing.status !== c.status;
  let notificationId: string | undefined;
  if (statusChanged && input.notify) {
    notificationId = randomUUID();
    const payload: NotificationPayload = {
      notificationId,
      subject: { [c.subject.kind]: c.subject.id },
      senderOrganisation: { organisationNumber: sender, name: c.senderOrganisation.name },
      createdAt: now,
    };
    const o = keys.seal(JSON.stringify(payload), aad.outbox(notificationId));
    await m.query(
      sql(
        `INSERT INTO ${CASE_TABLES.outbox} (notification_id, case_row_id, created_at, key_id, content, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, 0, ?)`,
      ),
      [notificationId, caseRowId, now, o.keyId, o.blob, now],
    );
  }
  return { outcome, revision, ...(notificationId ? { notificationId } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Outbox write programs

interface OutboxClaimRow {
  id: number;
  notification_id: string;
  key_id: string;
  content: string;
  attempts: number;
}

/**
 * The write program of an outbox claim: due rows, marked with the claim token and lease. On PostgreSQL
 * they are selected `FOR UPDATE SKIP LOCKED`, so two instances polling at once take disjoint rows.
 */
export async function claimOutboxProgram(
  m: SqlRunner,
  job: { readonly engine: Engine; readonly limit: number; readonly now: string; readonly until: string; readonly token: string },
): Promise<OutboxClaimRow[]> {
  const sql = sqlFor(job.engine);
  const skipLocked = job.engine === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows: OutboxClaimRow[] = await m.query(
    sql(
      `SELECT id, notification_id, key_id, content, attempts FROM ${CASE_TABLES.outbox}` +
        ` WHERE delivered_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)` +
        ` ORDER BY id LIMIT ${job.limit}${skipLocked}`,
    ),
    [job.now, job.now],
  );
  if (rows.length === 0) return [];
  const ids = rows.map((r) => Number(r.id));
  await m.query(
    sql(`UPDATE ${CASE_TABLES.outbox} SET claimed_until = ?, claim_token = ? WHERE id IN (${ids.map(() => '?').join(', ')})`),
    [job.until, job.token, ...ids],
  );
  return rows;
}

const CLAIM_OUTBOX = dbProgram(import.meta.url, claimOutboxProgram);

/** The write program that marks delivered rows whose claim still holds; returns their ids. */
export async function markDeliveredProgram(
  m: SqlRunner,
  job: { readonly engine: Engine; readonly at: string; readonly claims: ReadonlyArray<readonly [token: string, ids: readonly number[]]> },
): Promise<number[]> {
  const sql = sqlFor(job.engine);
  const marked: number[] = [];
  for (const [token, ids] of job.claims) {
    const changed: Array<{ id: number }> = await m.query(
      sql(
        `UPDATE ${CASE_TABLES.outbox} SET delivered_at = ?, claimed_until = NULL, claim_token = NULL` +
          ` WHERE claim_token = ? AND id IN (${ids.map(() => '?').join(', ')}) RETURNING id`,
      ),
      [job.at, token, ...ids],
    );
    marked.push(...changed.map((r) => Number(r.id)));
  }
  return marked;
}

const MARK_DELIVERED = dbProgram(import.meta.url, markDeliveredProgram);

// ---------------------------------------------------------------------------------------------
// The overview's read program (sealed rows; this thread opens them)

interface OverviewCaseRow {
  id: number;
  sender_org: string;
  case_id: string;
  revision: number;
  key_id: string;
  content: string;
}

interface OverviewHistoryRow {
  case_row_id: number;
  revision: number;
  key_id: string;
  content: string;
}

/** The subject's case rows, newest caseUpdated first, and their history rows, newest revision first. */
export async function overviewRowsProgram(
  m: SqlRunner,
  job: { readonly engine: Engine; readonly filter: OverviewFilter },
): Promise<{ cases: OverviewCaseRow[]; history: OverviewHistoryRow[] }> {
  const { filter } = job;
  const sql = sqlFor(job.engine);
  const where = ['subject_hash = ?'];
  const params: unknown[] = [filter.subjectHash];
  if (filter.senderOrganisation) {
    where.push('sender_org = ?');
    params.push(filter.senderOrganisation);
  }
  if (filter.statuses && filter.statuses.length > 0) {
    where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
    params.push(...filter.statuses);
  }
  if (filter.updatedSince) {
    where.push('case_updated >= ?');
    params.push(filter.updatedSince);
  }
  const cases: OverviewCaseRow[] = await m.query(
    sql(`SELECT id, sender_org, case_id, revision, key_id, content FROM ${CASE_TABLES.case} WHERE ${where.join(' AND ')} ORDER BY case_updated DESC, id DESC`),
    params,
  );
  const history: OverviewHistoryRow[] = [];
  const ids = cases.map((r) => Number(r.id));
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    history.push(
      ...((await m.query(
        sql(
          `SELECT case_row_id, revision, key_id, content FROM ${CASE_TABLES.history} WHERE case_row_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY case_row_id, revision DESC`,
        ),
        chunk,
      )) as OverviewHistoryRow[]),
    );
  }
  return { cases, history };
}

const OVERVIEW_ROWS = dbProgram(import.meta.url, overviewRowsProgram);
