/**
 * Consent records and erasure (docs/hub-people.md#consent): data access only, no handler logic. Every function
 * takes the SqlRunner and engine of a transaction the caller opened, so a push's program, the consent update and
 * the start-up erasure can each use them inside their own transaction, on either thread (these functions import
 * nothing but SQL; the database thread may load them).
 *
 * Locks (PostgreSQL; SQLite serialises writers anyway). A push reads the subject's record `FOR SHARE` inside its
 * write transaction; a consent change reads it `FOR UPDATE` before it writes, and a revocation erases in that
 * same transaction. So a revocation and a push never interleave: the push either commits first (and its case is
 * then erased) or waits and sees REVOKED. A subject without a record has no row to lock; its status is NONE, and
 * a push for it stores nothing while consent is required.
 *
 * The record is evidence and holds no case content: the subject's HMAC, status, version, authentication method,
 * times, and the guardian's HMAC when a guardian acted.
 */
import type { Engine, SqlRunner } from '../storage/sql.js';
import { sqlFor } from '../storage/sql.js';
import { CASE_TABLES } from './schema.js';

export type ConsentStatus = 'ACTIVE' | 'REVOKED' | 'NONE';

export interface ConsentRecord {
  readonly subjectHash: string;
  readonly status: 'ACTIVE' | 'REVOKED';
  /** The version of the information text the person saw (1–64 characters). */
  readonly consentVersion: string;
  /** How the view identified the person, e.g. BANKID (1–32 characters). */
  readonly authMethod: string;
  /** UTC ISO: when this status (and version) began. */
  readonly since: string;
  /** UTC ISO: the caller's `time`, when the person acted; evidence only, never used for ordering. */
  readonly actedAt: string;
  /** UTC ISO: when the hub last wrote the record. */
  readonly updatedAt: string;
  /** The guardian's HMAC when a guardian gave or revoked consent for a child; else null. */
  readonly guardianHash: string | null;
}

/** How a read locks the record on PostgreSQL: `share` inside a push, `update` before a change, `none` for a plain read. */
export type ConsentLock = 'share' | 'update' | 'none';

const LOCK: Record<ConsentLock, string> = { share: ' FOR SHARE', update: ' FOR UPDATE', none: '' };

interface ConsentRow {
  subject_hash: string;
  status: string;
  consent_version: string;
  auth_method: string;
  since: string;
  acted_at: string;
  updated_at: string;
  guardian_hash: string | null;
}

/** The status an absent record means: NONE. */
export const consentStatusOf = (record: ConsentRecord | undefined): ConsentStatus => record?.status ?? 'NONE';

/** The subject's consent record, or undefined (NONE). Locks it as `lock` says (default `share`) on PostgreSQL. */
export async function readConsent(sql: SqlRunner, engine: Engine, subjectHash: string, lock: ConsentLock = 'share'): Promise<ConsentRecord | undefined> {
  const rows: ConsentRow[] = await sql.query(
    sqlFor(engine)(
      `SELECT subject_hash, status, consent_version, auth_method, since, acted_at, updated_at, guardian_hash FROM ${CASE_TABLES.consent} WHERE subject_hash = ?` +
        (engine === 'postgres' ? LOCK[lock] : ''),
    ),
    [subjectHash],
  );
  const r = rows[0];
  if (!r) return undefined;
  if (r.status !== 'ACTIVE' && r.status !== 'REVOKED') throw new Error(`${CASE_TABLES.consent}: unknown status in a stored record`);
  return {
    subjectHash: r.subject_hash,
    status: r.status,
    consentVersion: r.consent_version,
    authMethod: r.auth_method,
    since: r.since,
    actedAt: r.acted_at,
    updatedAt: r.updated_at,
    guardianHash: r.guardian_hash ?? null,
  };
}

/**
 * Writes the subject's record, inserting or replacing it whole. Read it with lock `update` first in the same
 * transaction (PostgreSQL), so concurrent changes of one subject apply one after the other.
 */
export async function saveConsent(sql: SqlRunner, engine: Engine, record: ConsentRecord): Promise<void> {
  await sql.query(
    sqlFor(engine)(
      `INSERT INTO ${CASE_TABLES.consent} (subject_hash, status, consent_version, auth_method, since, acted_at, updated_at, guardian_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)` +
        ` ON CONFLICT (subject_hash) DO UPDATE SET status = excluded.status, consent_version = excluded.consent_version, auth_method = excluded.auth_method,` +
        ` since = excluded.since, acted_at = excluded.acted_at, updated_at = excluded.updated_at, guardian_hash = excluded.guardian_hash`,
    ),
    [record.subjectHash, record.status, record.consentVersion, record.authMethod, record.since, record.actedAt, record.updatedAt, record.guardianHash],
  );
}

/** A case erased with its subject's data, for the audit entry the caller writes in the same transaction. */
export interface ErasedCase {
  readonly senderOrganisation: string;
  readonly caseId: string;
}

export interface Erasure {
  /** In the order they were stored. */
  readonly cases: readonly ErasedCase[];
  readonly historyEntries: number;
  /** Outbox rows of those cases, delivered or not, for every recipient. */
  readonly notifications: number;
}

/** Ids per `IN (…)` list, well under SQLite's bound-parameter limit. */
const IN_CHUNK = 400;

/**
 * Deletes every case of the subject, from every sender, with its history and its notifications (every
 * recipient's, delivered or not: a notice's sealed payload names the subject), inside the caller's transaction.
 * The case rows are locked first on PostgreSQL, so a push to one of them waits and then finds it gone.
 * Notices addressed to this person as someone's representative are about the grantor's cases and stay.
 */
export async function eraseSubject(sql: SqlRunner, engine: Engine, subjectHash: string): Promise<Erasure> {
  const q = sqlFor(engine);
  const rows: Array<{ id: number; sender_org: string; case_id: string }> = await sql.query(
    q(`SELECT id, sender_org, case_id FROM ${CASE_TABLES.case} WHERE subject_hash = ? ORDER BY id${engine === 'postgres' ? ' FOR UPDATE' : ''}`),
    [subjectHash],
  );
  let historyEntries = 0;
  let notifications = 0;
  for (let i = 0; i < rows.length; i += IN_CHUNK) {
    const ids = rows.slice(i, i + IN_CHUNK).map((r) => Number(r.id));
    const list = ids.map(() => '?').join(', ');
    const count = async (table: string) =>
      Number(((await sql.query(q(`SELECT COUNT(*) AS n FROM ${table} WHERE case_row_id IN (${list})`), ids)) as Array<{ n: unknown }>)[0]?.n ?? 0);
    historyEntries += await count(CASE_TABLES.history);
    notifications += await count(CASE_TABLES.outbox);
    await sql.query(q(`DELETE FROM ${CASE_TABLES.outbox} WHERE case_row_id IN (${list})`), ids);
    await sql.query(q(`DELETE FROM ${CASE_TABLES.history} WHERE case_row_id IN (${list})`), ids);
    await sql.query(q(`DELETE FROM ${CASE_TABLES.case} WHERE id IN (${list})`), ids);
  }
  return { cases: rows.map((r) => ({ senderOrganisation: r.sender_org, caseId: r.case_id })), historyEntries, notifications };
}
