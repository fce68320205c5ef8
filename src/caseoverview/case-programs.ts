/**
 * The case hub's database programs (storage/sqlite-thread.ts): the SQL of the hot paths, run as one
 * transaction each. On SQLite they run on the database thread, which imports this module by its URL
 * (`dbProgram(import.meta.url, …)`), so it holds nothing but the programs and what they need; on
 * PostgreSQL they run in a `db.transaction()` on the event loop. Inputs and outputs are plain data
 * (case-rows.ts); the store (case-store.ts) decides when each runs.
 *
 * Several instances (PostgreSQL): each push locks its case row (`FOR UPDATE`); pushes in a batch are
 * applied in key order so two batches never lock the same rows in opposite orders. Two instances
 * creating the same new case at once: one insert loses on the unique key, its batch is retried one by
 * one, and the retry sees the winner's row.
 */
import { randomUUID } from 'node:crypto';
import { writeAuditEntries, type AuditEntryInput } from '../storage/audit.js';
import { canonicalJson } from '../storage/canonical.js';
import type { Engine, SqlRunner } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { dbProgram } from '../storage/sqlite-thread.js';
import {
  aad,
  type HistoryPayload,
  type NotificationPayload,
  type OutboxClaim,
  type OutboxClaimRow,
  SKIPPED_NO_MANDATE,
  type PushInput,
  type PushOutcome,
  type PushResult,
} from './case-rows.js';
import { consentStatusOf, readConsent } from './consent-store.js';
import { caseScopeValues, coverageOf, coversCase, type CaseScopeValues } from './coverage.js';
import { notifyingMandatesOfGrantor } from './mandate-store.js';
import { CaseKeyRing } from './keys.js';
import { CASE_TABLES, storedSubjectKind } from './schema.js';

interface CaseRow {
  id: number;
  status: string;
  case_updated: string;
  revision: number;
  content_mac: string;
}

// ---------------------------------------------------------------------------------------------
// Applying pushes

/**
 * The key rings of the push program, by keys file: on the event-loop thread the store's own (see
 * shareKeyRing), on the database thread one loaded from the file. Each re-reads its file after a rotation.
 */
const programKeyRings = new Map<string, CaseKeyRing>();

/** Lets the push program use the store's key ring when it runs on this thread (PostgreSQL), not a second copy. */
export function shareKeyRing(keys: CaseKeyRing): void {
  if (!programKeyRings.has(keys.file)) programKeyRings.set(keys.file, keys);
}

/** The key ring of a program on whichever thread it runs (see programKeyRings). */
export function programKeyRing(file: string): CaseKeyRing {
  let keys = programKeyRings.get(file);
  if (!keys) {
    keys = new CaseKeyRing(file);
    programKeyRings.set(file, keys);
  }
  return keys;
}

/** The write program of one group commit of pushes. */
export function applyPushesProgram(
  sql: SqlRunner,
  job: { readonly engine: Engine; readonly keysFile: string; readonly inputs: readonly PushInput[] },
): Promise<PushResult[]> {
  return applyPushes(sql, job.engine, programKeyRing(job.keysFile), job.inputs);
}

export const APPLY_PUSHES = dbProgram(import.meta.url, applyPushesProgram);

function pushAuditEntry(input: PushInput, result: PushResult): AuditEntryInput {
  return {
    ...input.audit,
    outcome: result.outcome,
    recordCount: result.outcome === 'CREATED' || result.outcome === 'UPDATED' ? 1 : 0,
    criteria: {
      ...input.audit.criteria,
      revision: result.revision ?? null,
      signed: input.evidence !== undefined,
      notified: result.notificationId !== undefined,
      consentStatus: result.consentStatus ?? null,
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
  const subjectHash = keys.subjectHash(c.subject.id);
  // Consent, last of the checks and inside this transaction: FOR SHARE on PostgreSQL, so a revocation (FOR UPDATE,
  // then erasure) waits for this push or this push waits and sees REVOKED (docs/hub-people.md#pushes-and-consent).
  const kind = storedSubjectKind(c.subject.kind);
  const consentStatus = kind === 'person' ? consentStatusOf(await readConsent(m, engine, subjectHash, 'share')) : undefined;
  const withConsent = (r: PushResult): PushResult => (consentStatus ? { ...r, consentStatus } : r);
  if (consentStatus !== undefined && consentStatus !== 'ACTIVE' && input.consent === 'required') {
    return { outcome: 'NO_CONSENT', consentStatus };
  }
  const mac = keys.contentMac(canonicalJson(c));
  const lock = engine === 'postgres' ? ' FOR UPDATE' : '';
  const rows: CaseRow[] = await m.query(
    sql(`SELECT id, status, case_updated, revision, content_mac FROM ${CASE_TABLES.case} WHERE sender_org = ? AND case_id = ?${lock}`),
    [sender, c.caseId],
  );
  const existing = rows[0];
  const now = new Date().toISOString();
  const seal = () => keys.seal(JSON.stringify(c), aad.case(sender, c.caseId));
  const scope = caseScopeValues(
    {
      senderOrganisation: sender,
      ...(c.category === undefined ? {} : { category: c.category }),
      ...(c.committee === undefined ? {} : { committeeCode: c.committee.code }),
      ...(c.serviceArea === undefined ? {} : { serviceArea: c.serviceArea }),
    },
    keys.scopeHash.bind(keys),
  );
  let caseRowId: number;
  let revision: number;
  let outcome: PushOutcome;
  if (!existing) {
    const sealed = seal();
    const inserted: Array<{ id: number }> = await m.query(
      sql(
        `INSERT INTO ${CASE_TABLES.case} (sender_org, case_id, subject_hash, status, case_updated, revision, content_mac, key_id, content, stored_at,` +
          ` subject_kind, category_hash, committee_hash, service_area_hash) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ),
      [sender, c.caseId, subjectHash, c.status, c.caseUpdated, mac, sealed.keyId, sealed.blob, now, kind, scope.category_hash, scope.committee_hash, scope.service_area_hash],
    );
    caseRowId = Number(inserted[0]!.id);
    revision = 1;
    outcome = 'CREATED';
  } else {
    const current = Number(existing.revision);
    // Ordering is by caseUpdated (README, "Case hub"); both sides are fixed-width UTC ISO text.
    if (c.caseUpdated < existing.case_updated) return withConsent({ outcome: 'STALE', revision: current });
    if (c.caseUpdated === existing.case_updated) {
      return withConsent({ outcome: existing.content_mac === mac ? 'UNCHANGED' : 'CONFLICT', revision: current });
    }
    caseRowId = Number(existing.id);
    revision = current + 1;
    outcome = 'UPDATED';
    const sealed = seal();
    await m.query(
      sql(
        `UPDATE ${CASE_TABLES.case} SET subject_hash = ?, status = ?, case_updated = ?, revision = ?, content_mac = ?, key_id = ?, content = ?, stored_at = ?,` +
          ` subject_kind = ?, category_hash = ?, committee_hash = ?, service_area_hash = ? WHERE id = ?`,
      ),
      [subjectHash, c.status, c.caseUpdated, revision, mac, sealed.keyId, sealed.blob, now, kind, scope.category_hash, scope.committee_hash, scope.service_area_hash, caseRowId],
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

  // "New information": a new case or a changed status, unless the sender said notify=false. One outbox row per
  // recipient: the subject, and each representative whose mandate in effect covers the case and asks to be
  // notified (docs/hub-people.md#notices); a representative's row names only that recipient.
  const statusChanged = !existing || existing.status !== c.status;
  let notificationId: string | undefined;
  if (statusChanged && input.notify) {
    const subject = { [c.subject.kind]: c.subject.id };
    const representatives = await coveringRepresentatives(m, engine, keys, subjectHash, scope, new Date(now));
    const recipients: Array<{ kind: 'subject' | 'representative'; hash: string | null; recipient: NotificationPayload['recipient'] }> = [
      { kind: 'subject', hash: null, recipient: subject },
      ...[...representatives].map(([hash, id]) => ({ kind: 'representative' as const, hash, recipient: { personalIdentityNumber: id } })),
    ];
    for (const r of recipients) {
      const id = randomUUID();
      notificationId ??= id;
      const payload: NotificationPayload = {
        notificationId: id,
        subject,
        recipient: r.recipient,
        senderOrganisation: { organisationNumber: sender, name: c.senderOrganisation.name },
        createdAt: now,
      };
      const o = keys.seal(JSON.stringify(payload), aad.outbox(id));
      await m.query(
        sql(
          `INSERT INTO ${CASE_TABLES.outbox} (notification_id, case_row_id, created_at, key_id, content, attempts, next_attempt_at, recipient_kind, recipient_hash)` +
            ` VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
        ),
        [id, caseRowId, now, o.keyId, o.blob, now, r.kind, r.hash],
      );
    }
  }
  return withConsent({ outcome, revision, ...(notificationId ? { notificationId } : {}) });
}

/**
 * The representatives (HMAC → personal identity number) whose mandates in effect at `at` from this grantor cover
 * a case with these scope values and ask to be notified; several such mandates make one recipient.
 */
async function coveringRepresentatives(m: SqlRunner, engine: Engine, keys: CaseKeyRing, grantorHash: string, values: CaseScopeValues, at: Date): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const s of await notifyingMandatesOfGrantor(m, engine, keys, grantorHash, at)) {
    if (!found.has(s.representativeHash) && coversCase(coverageOf([s.mandate.scope], keys.scopeHash.bind(keys)), values)) {
      found.set(s.representativeHash, s.mandate.representative);
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// The outbox

/**
 * The write program of an outbox claim: due rows, marked with the claim token and lease. On PostgreSQL
 * they are selected `FOR UPDATE SKIP LOCKED`, so two instances polling at once take disjoint rows. A
 * representative's notice is checked again here: when no mandate in effect now covers its case and asks to be
 * notified, it is closed as skipped (delivered_at set, last_error SKIPPED_NO_MANDATE) instead of claimed.
 */
export async function claimOutboxProgram(
  m: SqlRunner,
  job: { readonly engine: Engine; readonly keysFile: string; readonly limit: number; readonly now: string; readonly until: string; readonly token: string },
): Promise<OutboxClaim> {
  const sql = sqlFor(job.engine);
  const skipLocked = job.engine === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const due: Array<OutboxClaimRow & { recipient_kind: string; recipient_hash: string | null; case_row_id: number }> = await m.query(
    sql(
      `SELECT id, notification_id, key_id, content, attempts, recipient_kind, recipient_hash, case_row_id FROM ${CASE_TABLES.outbox}` +
        ` WHERE delivered_at IS NULL AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)` +
        ` ORDER BY id LIMIT ${job.limit}${skipLocked}`,
    ),
    [job.now, job.now],
  );
  if (due.length === 0) return { rows: [], skipped: 0 };
  const keys = programKeyRing(job.keysFile);
  const rows: OutboxClaimRow[] = [];
  const skipped: number[] = [];
  for (const r of due) {
    if (r.recipient_kind === 'representative' && !(await stillCovered(m, job.engine, keys, Number(r.case_row_id), String(r.recipient_hash), new Date(job.now)))) {
      skipped.push(Number(r.id));
    } else {
      rows.push({ id: r.id, notification_id: r.notification_id, key_id: r.key_id, content: r.content, attempts: r.attempts });
    }
  }
  if (skipped.length > 0) {
    await m.query(
      sql(`UPDATE ${CASE_TABLES.outbox} SET delivered_at = ?, last_error = ?, claimed_until = NULL, claim_token = NULL WHERE id IN (${skipped.map(() => '?').join(', ')})`),
      [job.now, SKIPPED_NO_MANDATE, ...skipped],
    );
  }
  if (rows.length > 0) {
    const ids = rows.map((r) => Number(r.id));
    await m.query(
      sql(`UPDATE ${CASE_TABLES.outbox} SET claimed_until = ?, claim_token = ? WHERE id IN (${ids.map(() => '?').join(', ')})`),
      [job.until, job.token, ...ids],
    );
  }
  return { rows, skipped: skipped.length };
}

/** Does a mandate in effect now, from the case's subject to this representative, cover the case and ask to be notified? */
async function stillCovered(m: SqlRunner, engine: Engine, keys: CaseKeyRing, caseRowId: number, representativeHash: string, at: Date): Promise<boolean> {
  const cases: Array<{ subject_hash: string } & Record<'sender_org' | 'category_hash' | 'committee_hash' | 'service_area_hash', string | null>> = await m.query(
    sqlFor(engine)(`SELECT subject_hash, sender_org, category_hash, committee_hash, service_area_hash FROM ${CASE_TABLES.case} WHERE id = ?`),
    [caseRowId],
  );
  const c = cases[0];
  if (!c) return false;
  const covering = await coveringRepresentatives(m, engine, keys, c.subject_hash, c, at);
  return covering.has(representativeHash);
}

export const CLAIM_OUTBOX = dbProgram(import.meta.url, claimOutboxProgram);

/** The write program that marks delivered rows whose claim still holds; returns their ids. */
export async function markDeliveredProgram(
  m: SqlRunner,
  job: { readonly engine: Engine; readonly at: string; readonly claims: ReadonlyArray<readonly [token: string, ids: readonly number[]]> },
): Promise<number[]> {
  const sql = sqlFor(job.engine);
  const marked: number[] = [];
  for (const [token, ids] of job.claims) {
    const answer: unknown = await m.query(
      sql(
        `UPDATE ${CASE_TABLES.outbox} SET delivered_at = ?, claimed_until = NULL, claim_token = NULL` +
          ` WHERE claim_token = ? AND id IN (${ids.map(() => '?').join(', ')}) RETURNING id`,
      ),
      [job.at, token, ...ids],
    );
    // TypeORM answers an UPDATE … RETURNING on PostgreSQL with [rows, affected count], on SQLite with the rows.
    const changed = (job.engine === 'postgres' ? (answer as [unknown, number])[0] : answer) as Array<{ id: number }>;
    marked.push(...changed.map((r) => Number(r.id)));
  }
  return marked;
}

export const MARK_DELIVERED = dbProgram(import.meta.url, markDeliveredProgram);
