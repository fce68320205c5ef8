/**
 * The UpdateCaseOverviewConsent handler (README, "Case hub"; docs/hub-people.md#consent). Only CASE_VIEW consumers
 * may call it (else ACCESS_DENIED). Organisation subjects need no consent: VALIDATION_ERROR.
 *
 * Who decides: the person; for a child under 13 (age.ts) only the holder of a GUARDIAN mandate in effect for that
 * child with no scope, named as `representative`. A child under 13 without one, or a representative for anyone
 * else, is ACCESS_DENIED: nobody else decides for a person.
 *
 * One transaction per call, so calls apply in arrival order: the record is read FOR UPDATE (PostgreSQL), the
 * guardian's mandate is checked, the record is written, and on REVOKE every case of the person is erased with one
 * audit entry per case (erasure.ts); the call's own audit entry commits with it. GIVE while ACTIVE with the same
 * version changes nothing (`since` stays); a new version is recorded with `since` now. `time` is evidence only.
 * A refused call writes nothing but its audit entry, and its answer has no consentStatus.
 */
import type { AuditEntryInput, AuditLog } from '../storage/audit.js';
import type { Database } from '../storage/database.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import type {
  UpdateCaseOverviewConsentResponderInterface,
  UpdateCaseOverviewConsentResponseType,
  UpdateCaseOverviewConsentType,
} from '../../contracts/casemanagement/caseoverview/UpdateCaseOverviewConsentInteraction.js';
import { isUnder13 } from './age.js';
import { readConsent, saveConsent, type ConsentRecord } from './consent-store.js';
import { eraseAndAudit } from './erasure.js';
import type { CaseKeyRing } from './keys.js';
import { mandatesInEffect } from './mandate-store.js';
import { validateRepresentative } from './mandate-validation.js';
import { CaseRefusal, parseDateTime, refusalResult, toUtc, validateSubject } from './validation.js';

export interface UpdateConsentDeps {
  readonly db: Database;
  readonly keys: CaseKeyRing;
  readonly audit: Pick<AuditLog, 'append' | 'appendInTransaction'>;
  readonly hashIdentifier: (id: string) => string;
  readonly now?: () => Date;
}

function text(value: string | undefined, element: string, max: number): string {
  const s = value === undefined || value === null ? '' : String(value);
  if (s.trim().length === 0) throw new CaseRefusal('VALIDATION_ERROR', `${element} is required`);
  if ([...s].length > max) throw new CaseRefusal('VALIDATION_ERROR', `${element} is longer than ${max} characters`);
  return s;
}

interface Checked {
  readonly subjectId: string;
  readonly action: 'GIVE' | 'REVOKE';
  readonly consentVersion: string;
  readonly authMethod: string;
  readonly actedAt: string;
  readonly representative: string | undefined;
}

function check(request: UpdateCaseOverviewConsentType): Checked {
  const subject = validateSubject(request.subject);
  if (subject.kind === 'organisationNumber') {
    throw new CaseRefusal('VALIDATION_ERROR', 'subject must be a person (personal identity or coordination number): organisations need no consent');
  }
  if (request.action !== 'GIVE' && request.action !== 'REVOKE') throw new CaseRefusal('VALIDATION_ERROR', 'action is not one of GIVE, REVOKE');
  const acted = parseDateTime(request.time);
  if (acted === undefined) throw new CaseRefusal('VALIDATION_ERROR', 'time is not a valid dateTime');
  return {
    subjectId: subject.id,
    action: request.action,
    consentVersion: text(request.consentVersion, 'consentVersion', 64),
    authMethod: text(request.authenticationMethod, 'authenticationMethod', 32),
    actedAt: toUtc(acted),
    representative: request.representative === undefined || request.representative === null ? undefined : validateRepresentative(request.representative),
  };
}

type Outcome = { readonly record: ConsentRecord; readonly changed: boolean; readonly erasedCases: number } | { readonly refusal: CaseRefusal };

export function createUpdateCaseOverviewConsentHandler(deps: UpdateConsentDeps): UpdateCaseOverviewConsentResponderInterface<RequestContext> {
  const now = deps.now ?? (() => new Date());
  const engine = deps.db.engine;
  return {
    async UpdateCaseOverviewConsent(request: UpdateCaseOverviewConsentType, ctx): Promise<UpdateCaseOverviewConsentResponseType> {
      const subjectId = request.subject?.personalIdentityNumber ?? request.subject?.coordinationNumber ?? request.subject?.organisationNumber;
      const representative = typeof request.representative === 'string' ? request.representative.trim() : undefined;
      const criteria: Record<string, unknown> = {
        subjectHash: subjectId ? deps.hashIdentifier(subjectId.trim()) : null,
        representativeHash: representative ? deps.hashIdentifier(representative) : null,
        action: request.action ?? null,
        consentVersion: typeof request.consentVersion === 'string' ? request.consentVersion.slice(0, 64) : null,
        authenticationMethod: typeof request.authenticationMethod === 'string' ? request.authenticationMethod.slice(0, 32) : null,
        consumerCategory: ctx.consumer?.category ?? null,
        viaRoutingNode: ctx.viaRoutingNode,
      };
      const denied = (refusal: CaseRefusal): AuditEntryInput =>
        auditFromContext(ctx, { action: 'denied', outcome: refusal.errorCode, criteria, recordCount: 0 });

      let outcome: Outcome;
      try {
        if (ctx.consumer?.category !== 'CASE_VIEW') {
          throw new CaseRefusal('ACCESS_DENIED', `consumer category ${ctx.consumer?.category ?? '(none)'} may not update consent`);
        }
        const c = check(request);
        outcome = await deps.db.transaction(async (sql): Promise<Outcome> => {
          const at = now();
          const subjectHash = deps.keys.subjectHash(c.subjectId);
          const current = await readConsent(sql, engine, subjectHash, 'update');
          let guardianHash: string | null = null;
          if (isUnder13(c.subjectId, at)) {
            if (c.representative === undefined) {
              return { refusal: new CaseRefusal('ACCESS_DENIED', 'a child under 13 is represented by a guardian: representative is required') };
            }
            const representativeHash = deps.keys.subjectHash(c.representative);
            const held = await mandatesInEffect(sql, engine, deps.keys, subjectHash, representativeHash, at);
            if (!held.some((s) => s.mandate.role === 'GUARDIAN' && s.mandate.scope === undefined)) {
              return { refusal: new CaseRefusal('ACCESS_DENIED', 'representative holds no GUARDIAN mandate without scope in effect for this subject') };
            }
            guardianHash = representativeHash;
          } else if (c.representative !== undefined) {
            return { refusal: new CaseRefusal('ACCESS_DENIED', 'a person of 13 or more decides alone: no representative may give or revoke consent') };
          }

          const iso = at.toISOString();
          const next = (status: ConsentRecord['status']): ConsentRecord => ({
            subjectHash,
            status,
            consentVersion: c.consentVersion,
            authMethod: c.authMethod,
            since: iso,
            actedAt: c.actedAt,
            updatedAt: iso,
            guardianHash,
          });
          let record: ConsentRecord;
          let changed = true;
          if (c.action === 'GIVE') {
            if (current?.status === 'ACTIVE' && current.consentVersion === c.consentVersion) {
              record = current;
              changed = false;
            } else {
              record = next('ACTIVE');
            }
          } else {
            // A second revocation keeps the first one's record; the erasure runs again all the same.
            if (current?.status === 'REVOKED') {
              record = current;
              changed = false;
            } else {
              record = next('REVOKED');
            }
          }
          if (changed) await saveConsent(sql, engine, record);
          const erased =
            c.action === 'REVOKE'
              ? await eraseAndAudit(sql, engine, subjectHash, {
                  hashIdentifier: deps.hashIdentifier,
                  base: auditFromContext(ctx, { action: 'erase', criteria: {}, recordCount: 0 }),
                  reason: 'consent revoked',
                  write: (s, entries) => deps.audit.appendInTransaction(s, entries),
                })
              : undefined;
          const erasedCases = erased?.cases.length ?? 0;
          await deps.audit.appendInTransaction(
            sql,
            auditFromContext(ctx, {
              action: 'write',
              outcome: changed ? record.status : 'UNCHANGED',
              criteria: {
                ...criteria,
                ...(guardianHash ? { roles: ['GUARDIAN'] } : {}),
                consentStatus: record.status,
                erasedCases,
                erasedHistoryEntries: erased?.historyEntries ?? 0,
                erasedNotifications: erased?.notifications ?? 0,
              },
              recordCount: changed ? 1 : 0,
            }),
          );
          return { record, changed, erasedCases };
        });
      } catch (err) {
        if (!(err instanceof CaseRefusal)) throw err;
        outcome = { refusal: err };
      }
      if ('refusal' in outcome) {
        await deps.audit.append(denied(outcome.refusal));
        return { result: refusalResult(ctx.logId, outcome.refusal) };
      }
      return {
        consentStatus: outcome.record.status,
        consentVersion: outcome.record.consentVersion,
        since: outcome.record.since,
        result: { resultCode: 'OK', logId: ctx.logId },
      };
    },
  };
}
