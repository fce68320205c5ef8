/**
 * Erasing a person's cases (docs/hub-people.md#consent), the one way both callers do it: a revocation of consent
 * (update-case-overview-consent.ts) and the start with consent required (start-erasure.ts). Inside the caller's
 * transaction: every case of the subject from every sender, with its history and every notification, and one
 * audit entry per deleted case naming the sender and the case key's audit HMAC, never the content or the number.
 * Earlier audit entries stay: they are the record of processing.
 */
import type { AuditEntryInput } from '../storage/audit.js';
import type { Engine, SqlRunner } from '../storage/sql.js';
import { eraseSubject, type ErasedCase, type Erasure } from './consent-store.js';

/**
 * The audit HMAC of a case's key (sender and caseId). The caseId goes in as hex: the identifier hashing drops
 * spaces and dashes, which would make "A-1" and "A1" one key.
 */
function caseKeyHash(hashIdentifier: (id: string) => string, c: ErasedCase): string {
  return hashIdentifier(`case:${c.senderOrganisation}:${Buffer.from(c.caseId, 'utf8').toString('hex')}`);
}

/** Who erases and why; `entry` completes each case's audit entry. */
export interface ErasureAudit {
  readonly hashIdentifier: (id: string) => string;
  /** Actor, peer, contract, ids: everything but action, outcome, criteria and count. */
  readonly base: Omit<AuditEntryInput, 'action' | 'outcome' | 'criteria' | 'recordCount'>;
  /** Why, in words without personal data, e.g. "consent revoked". */
  readonly reason: string;
  /** Writes entries inside the caller's transaction (AuditLog.appendInTransaction or writeAuditEntries). */
  readonly write: (sql: SqlRunner, entries: readonly AuditEntryInput[]) => Promise<unknown>;
}

/** Erases the subject's cases and audits each one, inside the caller's transaction. */
export async function eraseAndAudit(sql: SqlRunner, engine: Engine, subjectHash: string, audit: ErasureAudit): Promise<Erasure> {
  const erased = await eraseSubject(sql, engine, subjectHash);
  if (erased.cases.length > 0) {
    await audit.write(
      sql,
      erased.cases.map((c) => ({
        ...audit.base,
        action: 'erase',
        outcome: 'DELETED',
        criteria: { senderOrganisation: c.senderOrganisation, caseKeyHash: caseKeyHash(audit.hashIdentifier, c), reason: audit.reason },
        recordCount: 1,
      })),
    );
  }
  return erased;
}
