/**
 * The GetCaseOverview handlers (README, "Case hub"; docs/hub-people.md#reading): one page of a subject's cases
 * with current state and history, newest first, optionally filtered by sender, status and updatedSince. Only
 * CASE_VIEW consumers may call it (else ACCESS_DENIED); every call, refusals included, is in the audit trail
 * before the answer leaves. The status filter is a repeated criterion: capped at `maxCriteria`, each status
 * counted once (README, "Bounded repetition"); messages name the element, never the value.
 *
 * One core serves both majors. Version 2: `representative` (reading on behalf under a mandate in effect, else
 * ACCESS_DENIED, the same answer whatever the subject has), `maxResults` (default 50, over 200 clamped with
 * INFO), a sealed `continuation` bound to the caller, the representative and the criteria, `consentStatus`
 * for a person subject, and history capped at 50 with `historyTruncated`. Version 1 (deprecated): at most
 * 200 cases with INFO when there were more, history capped at 50 without a flag (its schema has none). In
 * both, a person without active consent has no cases while consent is required.
 */
import { validIdentityNumber } from '../identity-numbers.js';
import type { AuditLog } from '../storage/audit.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import { bindingOf, openContinuation, sealContinuation } from '../security/continuation.js';
import type { GetCaseOverviewV1ResponderInterface } from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_1.js';
import type {
  CaseType,
  GetCaseOverviewV2ResponderInterface,
  GetCaseOverviewResponseType,
  GetCaseOverviewType,
} from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_2.js';
import type { PageKey } from './case-rows.js';
import type { CaseStore, OverviewPage, StoredCase } from './case-store.js';
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
  /** PRODUCER_CASE_CONSENT. */
  readonly consent: 'required' | 'off';
  readonly now?: () => number;
}

/** Page sizes and the history cap (docs/hub-people.md#reading). */
const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
const HISTORY_CAP = 50;

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
    ...(s.historyTruncated ? { historyTruncated: true } : {}),
  };
}

/** How a major reads: version 1 has one capped page and no representative; version 2 pages. */
interface Major {
  readonly version: 1 | 2;
}

function overviewCore(deps: GetCaseOverviewDeps, major: Major) {
  const now = deps.now ?? Date.now;
  return async (request: GetCaseOverviewType, ctx: RequestContext): Promise<GetCaseOverviewResponseType> => {
    const subjectId = request.subject?.personalIdentityNumber ?? request.subject?.coordinationNumber ?? request.subject?.organisationNumber;
    const representative = request.representative?.trim();
    const statuses = checkCriteria(request.status, deps.maxCriteria, STATUS);
    const criteria: Record<string, unknown> = {
      subjectHash: subjectId ? deps.hashIdentifier(subjectId.trim()) : null,
      ...(representative ? { representativeHash: deps.hashIdentifier(representative) } : {}),
      senderOrganisationNumber: request.senderOrganisationNumber ?? null,
      // The distinct statuses; a refused list is not copied into the audit entry (it may be long).
      status: 'values' in statuses ? statuses.values : null,
      updatedSince: request.updatedSince ?? null,
      ...(major.version === 2 ? { maxResults: request.maxResults ?? null, continued: request.continuation !== undefined } : {}),
      consumerCategory: ctx.consumer?.category ?? null,
      viaRoutingNode: ctx.viaRoutingNode,
    };
    let page: OverviewPage;
    let pageSize: number;
    let clamped = false;
    let binding: Buffer | undefined;
    try {
      if (ctx.consumer?.category !== 'CASE_VIEW') {
        throw new CaseRefusal('ACCESS_DENIED', `consumer category ${ctx.consumer?.category ?? '(none)'} may not read case overviews`);
      }
      const subject = validateSubject(request.subject);
      if (representative !== undefined && !validIdentityNumber(representative, false)) {
        throw new CaseRefusal('VALIDATION_ERROR', 'representative is not a valid personal identity number (format or check digit)');
      }
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
      pageSize = MAX_PAGE;
      if (major.version === 2) {
        const asked = request.maxResults ?? DEFAULT_PAGE;
        if (!Number.isInteger(asked) || asked < 1) throw new CaseRefusal('VALIDATION_ERROR', 'maxResults must be a positive integer');
        clamped = asked > MAX_PAGE;
        pageSize = Math.min(asked, MAX_PAGE);
      }
      const subjectHash = deps.keys.subjectHash(subject.id);
      const representativeHash = representative !== undefined ? deps.keys.subjectHash(representative) : undefined;
      let after: PageKey | undefined;
      if (major.version === 2) {
        // Bound to the caller, the representative and the normalised criteria (not the page size).
        binding = bindingOf([ctx.consumerHsaId, representativeHash ?? null, subjectHash, sender ?? null, [...(statuses.values ?? [])].sort(), since ?? null]);
        if (request.continuation !== undefined) {
          const key = openContinuation(deps.keys.continuationKey(), binding, request.continuation);
          if (!key || key.length !== 2 || typeof key[0] !== 'string' || !Number.isSafeInteger(key[1])) {
            throw new CaseRefusal('VALIDATION_ERROR', 'continuation is invalid, or belongs to another query, caller or representative');
          }
          after = { caseUpdated: key[0], id: key[1] as number };
        }
      }
      page = await deps.store.overview(
        {
          subjectHash,
          person: subject.kind !== 'organisationNumber',
          consent: deps.consent,
          ...(representativeHash !== undefined ? { representativeHash } : {}),
          now: new Date(now()).toISOString(),
          ...(sender ? { senderOrganisation: sender } : {}),
          statuses: statuses.values,
          ...(since ? { updatedSince: since } : {}),
          ...(after ? { after } : {}),
        },
        pageSize,
        HISTORY_CAP,
      );
      if (page.denied) {
        // The same answer whether or not the subject has cases or consent: nothing about them was read.
        throw new CaseRefusal('ACCESS_DENIED', 'the representative holds no mandate in effect from this subject');
      }
    } catch (err) {
      if (!(err instanceof CaseRefusal)) throw err;
      await deps.audit.append(auditFromContext(ctx, { action: 'denied', outcome: err.errorCode, criteria, recordCount: 0 }));
      return { result: refusalResult(ctx.logId, err) };
    }
    const more = page.next !== undefined;
    const continuation = more && binding ? sealContinuation(deps.keys.continuationKey(), binding, [page.next!.caseUpdated, page.next!.id]) : undefined;
    const consentStatus = page.consentStatus ? { consentStatus: page.consentStatus } : {};
    await deps.audit.append(
      auditFromContext(ctx, {
        action: 'read',
        outcome: 'OK',
        criteria: { ...criteria, ...consentStatus, ...(page.roles.length > 0 ? { mandateRoles: page.roles } : {}), more },
        recordCount: page.cases.length,
      }),
    );
    let message: string | undefined;
    if (clamped) message = `maxResults was clamped to ${MAX_PAGE}`;
    if (major.version === 1 && more) message = `the answer was truncated to the ${MAX_PAGE} newest cases; narrow the criteria, or use GetCaseOverview 2 to page`;
    return {
      case: page.cases.map(toCaseType),
      ...(continuation ? { continuation } : {}),
      ...consentStatus,
      result: message ? { resultCode: 'INFO', logId: ctx.logId, message } : { resultCode: 'OK', logId: ctx.logId },
    };
  };
}

/** GetCaseOverview 2.0. */
export function createGetCaseOverviewV2Handler(deps: GetCaseOverviewDeps): GetCaseOverviewV2ResponderInterface<RequestContext> {
  return { GetCaseOverview: overviewCore(deps, { version: 2 }) };
}

/**
 * GetCaseOverview 1.0 (deprecated): the same core, one page of at most 200; the answer drops what version 1's
 * schema lacks (consentStatus, committee, serviceArea, historyTruncated).
 */
export function createGetCaseOverviewV1Handler(deps: GetCaseOverviewDeps): GetCaseOverviewV1ResponderInterface<RequestContext> {
  const core = overviewCore(deps, { version: 1 });
  return {
    async GetCaseOverview(request, ctx) {
      const { consentStatus: _c, continuation: _n, case: cases, ...answer } = await core(request, ctx);
      return {
        ...answer,
        ...(cases ? { case: cases.map(({ committee: _m, serviceArea: _s, historyTruncated: _h, ...v1 }) => v1) } : {}),
      };
    },
  };
}
