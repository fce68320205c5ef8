/**
 * The GetCaseOverview handler (README, "Case hub"): a subject's cases with current state and history, newest
 * first, optionally filtered by sender, status and updatedSince. Only CASE_VIEW consumers may call it
 * (else ACCESS_DENIED); every call, refusals included, is in the audit trail before the answer leaves.
 * The status filter is a repeated criterion: capped at `maxCriteria`, each status counted once
 * (README, "Bounded repetition"); messages name the element, never the value.
 */
import type { AuditLog } from '../storage/audit.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import type {
  CaseType,
  GetCaseOverviewV1ResponderInterface,
  GetCaseOverviewResponseType,
  GetCaseOverviewType,
} from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_1.js';
import type { CaseStore, StoredCase } from './case-store.js';
import type { CaseKeyRing } from './keys.js';
import { checkCriteria, InvalidCriterion, type CriterionRule } from '../soap/criteria.js';
import { CaseRefusal, isSenderOrganisationNumber, parseDateTime, refusalResult, toUtc, validateSubject } from './validation.js';

export interface GetCaseOverviewDeps {
  readonly store: CaseStore;
  readonly keys: CaseKeyRing;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly hashIdentifier: (id: string) => string;
  /** Occurrences a repeated criterion (status) may have (config limits.maxCriteria). */
  readonly maxCriteria: number;
}

type CaseStatus = NonNullable<GetCaseOverviewType['status']>[number];
const STATUSES: ReadonlySet<string> = new Set<CaseStatus>(['RECEIVED', 'IN_PROGRESS', 'ACTION_REQUIRED', 'CLOSED']);
const STATUS: CriterionRule<CaseStatus, CaseStatus> = {
  element: 'status',
  normalise: (s) => (STATUSES.has(s) ? s : new InvalidCriterion('is not one of RECEIVED, IN_PROGRESS, ACTION_REQUIRED, CLOSED')),
};

function toCaseType(s: StoredCase): CaseType {
  const { subject: _subject, ...shown } = s.content; // the caller named the subject; it is not repeated per case
  return {
    ...shown,
    additionalInformation: shown.additionalInformation?.map((a) => ({ ...a })),
    history: s.history.map((h) => ({ status: h.status, statusDate: h.statusDate, caseUpdated: h.caseUpdated })),
  };
}

export function createGetCaseOverviewV1Handler(deps: GetCaseOverviewDeps): GetCaseOverviewV1ResponderInterface<RequestContext> {
  return {
    async GetCaseOverview(request: GetCaseOverviewType, ctx): Promise<GetCaseOverviewResponseType> {
      const subjectId = request.subject?.personalIdentityNumber ?? request.subject?.coordinationNumber ?? request.subject?.organisationNumber;
      const statuses = checkCriteria(request.status, deps.maxCriteria, STATUS);
      const criteria: Record<string, unknown> = {
        subjectHash: subjectId ? deps.hashIdentifier(subjectId.trim()) : null,
        senderOrganisationNumber: request.senderOrganisationNumber ?? null,
        // The distinct statuses; a refused list is not copied into the audit entry (it may be long).
        status: 'values' in statuses ? statuses.values : null,
        updatedSince: request.updatedSince ?? null,
        consumerCategory: ctx.consumer?.category ?? null,
        viaRoutingNode: ctx.viaRoutingNode,
      };
      let cases: StoredCase[];
      try {
        if (ctx.consumer?.category !== 'CASE_VIEW') {
          throw new CaseRefusal('ACCESS_DENIED', `consumer category ${ctx.consumer?.category ?? '(none)'} may not read case overviews`);
        }
        const subject = validateSubject(request.subject);
        const sender = request.senderOrganisationNumber?.trim();
        if (sender !== undefined && !isSenderOrganisationNumber(sender)) {
          throw new CaseRefusal('VALIDATION_ERROR', 'senderOrganisationNumber is not an organisation number of 10 digits');
        }
        if ('error' in statuses) throw new CaseRefusal('VALIDATION_ERROR', statuses.error);
        let since: string | undefined;
        if (request.updatedSince !== undefined) {
          const t = parseDateTime(request.updatedSince);
          if (t === undefined) throw new CaseRefusal('VALIDATION_ERROR', 'updatedSince is not a valid dateTime');
          since = toUtc(t);
        }
        cases = await deps.store.overview({
          subjectHash: deps.keys.subjectHash(subject.id),
          ...(sender ? { senderOrganisation: sender } : {}),
          statuses: statuses.values,
          ...(since ? { updatedSince: since } : {}),
        });
      } catch (err) {
        if (!(err instanceof CaseRefusal)) throw err;
        await deps.audit.append(auditFromContext(ctx, { action: 'denied', outcome: err.errorCode, criteria, recordCount: 0 }));
        return { result: refusalResult(ctx.logId, err) };
      }
      await deps.audit.append(auditFromContext(ctx, { action: 'read', outcome: 'OK', criteria, recordCount: cases.length }));
      return { case: cases.map(toCaseType), result: { resultCode: 'OK', logId: ctx.logId } };
    },
  };
}
