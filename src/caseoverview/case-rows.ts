/**
 * What the case store (case-store.ts, on the event loop) and its database programs (case-programs.ts,
 * on SQLite's database thread) hand each other: plain data that crosses the thread boundary, and the
 * additional authenticated data that binds each sealed blob to its row.
 */
import type { AuditEntryInput } from '../storage/audit.js';
import type { ConsentStatus } from './consent-store.js';
import { CASE_TABLES } from './schema.js';
import type { CaseContent, Subject } from './validation.js';

/** NO_CONSENT: a person subject without active consent while consent is required; nothing was stored. */
export type PushOutcome = 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'STALE' | 'CONFLICT' | 'NO_CONSENT';

export interface PushInput {
  readonly content: CaseContent;
  readonly notify: boolean;
  /** `required`: a person subject's push is applied only under active consent (docs/hub-people.md#pushes-and-consent). */
  readonly consent: 'required' | 'off';
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
  /** Absent for NO_CONSENT. */
  readonly revision?: number;
  readonly notificationId?: string;
  /** A person subject's consent status, read inside the push's transaction; absent for an organisation. */
  readonly consentStatus?: ConsentStatus;
}

/**
 * What the notifier delivers (README, "Notifications"): whom the case concerns, whom to tell (the subject, or a
 * representative whose mandate covers the case: docs/hub-people.md#notices) and from whom; never case content.
 */
export interface NotificationPayload {
  readonly notificationId: string;
  readonly subject: { readonly [K in Subject['kind']]?: string };
  /** The identity the notice is for: the subject itself, or a representative's personal identity number. */
  readonly recipient?: { readonly [K in Subject['kind']]?: string };
  readonly senderOrganisation: { readonly organisationNumber: string; readonly name: string };
  readonly createdAt: string;
}

export interface HistoryEntry {
  readonly revision: number;
  readonly status: CaseContent['status'];
  readonly statusDate: string;
  readonly caseUpdated: string;
}

/** A history entry's sealed content. */
export interface HistoryPayload extends Omit<HistoryEntry, 'revision'> {
  readonly contentMac: string;
  readonly signatureXml?: string;
  readonly signedEnvelope?: string;
}

/** One page of a subject's cases (docs/hub-people.md#reading): who asks, the filters, and where the page starts. */
export interface OverviewQuery {
  readonly subjectHash: string;
  /** A person subject: consent applies and is reported. */
  readonly person: boolean;
  readonly consent: 'required' | 'off';
  /** Reading on behalf: the representative's HMAC; the page then holds only what the mandates in effect cover. */
  readonly representativeHash?: string;
  /** UTC ISO: the time at which mandates must be in effect. */
  readonly now: string;
  readonly senderOrganisation?: string;
  readonly statuses?: readonly string[];
  /** UTC ISO; cases with caseUpdated at or after it. */
  readonly updatedSince?: string;
  /** The keyset position: only cases after it in (caseUpdated descending, id descending) order. */
  readonly after?: PageKey;
  /** Most case rows to return (the page size plus one, to tell whether more follow). */
  readonly limit: number;
  /** Most history entries per case to return (the cap plus one, to tell whether it was truncated). */
  readonly historyLimit: number;
}

/** A position in the overview's order. */
export interface PageKey {
  readonly caseUpdated: string;
  readonly id: number;
}

/** What the overview program read, still sealed (the event-loop thread opens it). */
export interface OverviewRows {
  /** A representative without a mandate in effect from the subject: nothing else was read. */
  readonly denied: boolean;
  /** The roles of the mandates in effect the page was read under (reading on behalf). */
  readonly roles: readonly string[];
  /** A person subject's consent status; undefined for an organisation (and when denied). */
  readonly consentStatus?: ConsentStatus;
  /** In page order, at most `limit`. */
  readonly cases: readonly OverviewCaseRow[];
  /** Per case, newest revision first, at most `historyLimit` each. */
  readonly history: readonly OverviewHistoryRow[];
}

/** A case row of an overview, still sealed (the event-loop thread opens it). */
export interface OverviewCaseRow {
  id: number;
  sender_org: string;
  case_id: string;
  revision: number;
  case_updated: string;
  key_id: string;
  content: string;
}

/** A history row of an overview, still sealed. */
export interface OverviewHistoryRow {
  case_row_id: number;
  revision: number;
  key_id: string;
  content: string;
}

/** An outbox row taken by a claim, still sealed. */
export interface OutboxClaimRow {
  id: number;
  notification_id: string;
  key_id: string;
  content: string;
  attempts: number;
}

/** What a claim took, and how many representatives' notices it closed as skipped (no covering mandate now). */
export interface OutboxClaim {
  readonly rows: readonly OutboxClaimRow[];
  readonly skipped: number;
}

/** The terminal mark of a representative's notice that no mandate in effect covers at delivery (last_error). */
export const SKIPPED_NO_MANDATE = 'skipped: no mandate in effect covers the case';

/** Each blob's additional authenticated data: a blob moved to another row does not open. */
export const aad = {
  case: (sender: string, caseId: string) => `${CASE_TABLES.case}:${sender}:${caseId}`,
  history: (caseRowId: number, revision: number) => `${CASE_TABLES.history}:${caseRowId}:${revision}`,
  outbox: (notificationId: string) => `${CASE_TABLES.outbox}:${notificationId}`,
};
