/**
 * `npm run call`: the options of each operation and how they patch its decoded sample request
 * (src/tools/call.ts builds and sends it). An option marked with `major` exists only in that major
 * version of an interaction (PushCaseStatus and GetCaseOverview 2 add scope, paging and representatives);
 * the others work in every major, since version 2's request types are a superset of version 1's.
 */
import type { GetCaseOverviewType } from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_2.js';
import type { GetMandatesType } from '../../contracts/casemanagement/caseoverview/GetMandatesInteraction.js';
import type { PushCaseStatusType } from '../../contracts/casemanagement/caseoverview/PushCaseStatusInteraction_2.js';
import type { UpdateCaseOverviewConsentType } from '../../contracts/casemanagement/caseoverview/UpdateCaseOverviewConsentInteraction.js';
import type { MandateType, UpdateMandateType } from '../../contracts/casemanagement/caseoverview/UpdateMandateInteraction.js';
import type { SearchPersonnelType } from '../../contracts/masterdata/organisationalresources/licensetopractice/SearchPersonnelInteraction.js';
import type { GetDecisionSupportType } from '../../contracts/processmanagement/decisionsupport/insurancemedicine/GetDecisionSupportInteraction.js';
import type { GetDiagnosisType } from '../../contracts/processmanagement/decisionsupport/insurancemedicine/GetDiagnosisInteraction.js';

export type Values = Record<string, string | boolean | string[] | undefined>;

interface OptionDef {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly help: string;
  /** The one major version of the interaction that has this option; absent: every major. */
  readonly major?: number;
}

/** Per-operation options and how they patch the decoded sample request. */
export interface OperationOptions {
  readonly options: Record<string, OptionDef>;
  /** Patches the request in place; called only when at least one of `options` was given. */
  patch(request: never, v: Values): void;
}

const str = (v: Values, k: string) => v[k] as string | undefined;
const list = (v: Values, k: string) => v[k] as string[] | undefined;
const nowUtc = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

type Subject = { personalIdentityNumber?: string; coordinationNumber?: string; organisationNumber?: string };

/** The subject the options name, or undefined when they name none. */
function subjectOf(v: Values, prefix = ''): Subject | undefined {
  const pnr = str(v, `${prefix}pnr`);
  const coordination = str(v, `${prefix}coordination-number`);
  const org = str(v, `${prefix}org-number`);
  if (pnr) return { personalIdentityNumber: pnr };
  if (coordination) return { coordinationNumber: coordination };
  if (org) return { organisationNumber: org };
  return undefined;
}

const SUBJECT_OPTIONS = {
  pnr: { type: 'string', help: 'subject: personal identity number' },
  'coordination-number': { type: 'string', help: 'subject: coordination number' },
  'org-number': { type: 'string', help: 'subject: organisation number' },
} as const satisfies Record<string, OptionDef>;

export const OPERATIONS: Record<string, OperationOptions> = {
  GetDiagnosis: {
    options: {
      code: { type: 'string', multiple: true, help: 'ICD-10 code, repeatable (replaces the sample codes)' },
      'include-inactive': { type: 'boolean', help: 'also inactive diagnoses' },
      'changed-since': { type: 'string', help: 'xs:dateTime' },
    },
    patch(r: GetDiagnosisType, v) {
      if (v.code) r.diagnosisCode = list(v, 'code')!.map((code) => ({ code }));
      if (v['include-inactive']) r.includeInactive = true;
      if (v['changed-since']) r.changedSince = str(v, 'changed-since');
    },
  },
  GetDecisionSupport: {
    options: {
      code: { type: 'string', multiple: true, help: 'ICD-10 code, repeatable' },
      id: { type: 'string', multiple: true, help: 'decision support id, repeatable (instead of --code)' },
      'include-archived': { type: 'boolean', help: 'also archived versions' },
      'changed-since': { type: 'string', help: 'xs:dateTime' },
    },
    patch(r: GetDecisionSupportType, v) {
      // the request is a choice: ids or codes
      if (v.code || v.id) {
        delete r.diagnosisCode;
        delete r.decisionSupportId;
      }
      if (v.code) r.diagnosisCode = list(v, 'code')!.map((code) => ({ code }));
      if (v.id) r.decisionSupportId = list(v, 'id');
      if (v['include-archived']) r.includeArchived = true;
      if (v['changed-since']) r.changedSince = str(v, 'changed-since');
    },
  },
  SearchPersonnel: {
    options: {
      'family-name': { type: 'string', help: 'exact, or a prefix ending in * (Ander*)' },
      'given-name': { type: 'string', help: 'exact, or a prefix ending in *' },
      pnr: { type: 'string', help: 'personal identity number, 12 digits' },
      'coordination-number': { type: 'string', help: 'coordination number, 12 digits' },
      'birth-date': { type: 'string', help: 'YYYY-MM-DD' },
      profession: { type: 'string', multiple: true, help: 'licence profession code (LK, SJ, …), repeatable' },
      speciality: { type: 'string', help: 'speciality code' },
      county: { type: 'string', help: 'county code' },
      municipality: { type: 'string', help: 'municipality code' },
      'prescriber-code': { type: 'string', help: 'prescriber code' },
      'max-results': { type: 'string', help: 'page size (default 100, at most 1000)' },
      continuation: { type: 'string', help: 'continuation token from the previous page' },
    },
    patch(r: SearchPersonnelType, v) {
      // criteria given on the command line replace the sample's criteria instead of narrowing them
      for (const k of Object.keys(r) as Array<keyof SearchPersonnelType>) delete r[k];
      if (v['family-name']) r.familyName = str(v, 'family-name');
      if (v['given-name']) r.givenName = str(v, 'given-name');
      if (v.pnr) r.personalIdentityNumber = str(v, 'pnr');
      if (v['coordination-number']) r.coordinationNumber = str(v, 'coordination-number');
      if (v['birth-date']) r.birthDate = str(v, 'birth-date');
      if (v.profession) r.professionCode = list(v, 'profession') as SearchPersonnelType['professionCode'];
      if (v.speciality) r.specialityCode = str(v, 'speciality');
      if (v.county) r.countyCode = str(v, 'county');
      if (v.municipality) r.municipalityCode = str(v, 'municipality');
      if (v['prescriber-code']) r.prescriberCode = str(v, 'prescriber-code');
      if (v['max-results']) r.maxResults = str(v, 'max-results') as SearchPersonnelType['maxResults'];
      if (v.continuation) r.continuation = str(v, 'continuation');
    },
  },
  GetCaseOverview: {
    options: {
      ...SUBJECT_OPTIONS,
      status: { type: 'string', multiple: true, help: 'status filter, repeatable' },
      'sender-org': { type: 'string', help: 'filter: sender organisation number' },
      'updated-since': { type: 'string', help: 'filter: xs:dateTime' },
      representative: { type: 'string', major: 2, help: 'read on behalf of the subject: the personal identity number of the person holding a mandate' },
      'max-results': { type: 'string', major: 2, help: 'page size (default 50, at most 200)' },
      continuation: { type: 'string', major: 2, help: 'continuation of the previous page (repeat the same criteria)' },
    },
    patch(r: GetCaseOverviewType, v) {
      const subject = subjectOf(v);
      if (subject) {
        // a new subject: the sample's filters belong to the sample's subject
        r.subject = subject;
        delete r.status;
        delete r.updatedSince;
        delete r.senderOrganisationNumber;
      }
      if (v.status) r.status = list(v, 'status') as GetCaseOverviewType['status'];
      if (v['sender-org']) r.senderOrganisationNumber = str(v, 'sender-org');
      if (v['updated-since']) r.updatedSince = str(v, 'updated-since');
      if (v.representative) r.representative = str(v, 'representative');
      if (v['max-results']) r.maxResults = str(v, 'max-results') as GetCaseOverviewType['maxResults'];
      if (v.continuation) r.continuation = str(v, 'continuation');
    },
  },
  PushCaseStatus: {
    options: {
      'case-id': { type: 'string', help: "the sender's case id" },
      status: { type: 'string', help: 'RECEIVED, IN_PROGRESS, ACTION_REQUIRED or CLOSED' },
      ...SUBJECT_OPTIONS,
      'sender-org': { type: 'string', help: 'sender organisation number (5599999992 with --role case-system-2)' },
      title: { type: 'string', help: 'case title' },
      category: { type: 'string', help: 'case category' },
      committee: { type: 'string', major: 2, help: 'committee code (organisation subjects only); its name is the code' },
      'service-area': { type: 'string', major: 2, help: 'SOL_IFO, SOL_DISABILITY, LSS_DISABILITY, SOL_ELDERLY or OTHER (organisation subjects only)' },
    },
    patch(r: PushCaseStatusType, v) {
      const cs = r.caseStatus;
      if (v['case-id']) cs.caseId = str(v, 'case-id')!;
      if (v.status) cs.status = str(v, 'status') as PushCaseStatusType['caseStatus']['status'];
      cs.subject = subjectOf(v) ?? cs.subject;
      if (v['sender-org']) cs.senderOrganisation = { ...cs.senderOrganisation, organisationNumber: str(v, 'sender-org')! };
      if (v.title) cs.title = str(v, 'title')!;
      if (v.category) cs.category = str(v, 'category')!;
      if (v.committee) cs.committee = { code: str(v, 'committee')!, name: str(v, 'committee')! };
      if (v['service-area']) cs.serviceArea = str(v, 'service-area') as PushCaseStatusType['caseStatus']['serviceArea'];
      // a changed push is a newer version of the case: the same caseUpdated with other content is CONFLICT (docs/design.md#case-outcomes)
      cs.caseUpdated = cs.statusDate = nowUtc();
    },
  },
  UpdateCaseOverviewConsent: {
    options: {
      pnr: { type: 'string', help: 'subject: personal identity number' },
      'coordination-number': { type: 'string', help: 'subject: coordination number' },
      action: { type: 'string', help: 'GIVE or REVOKE (default: the sample, GIVE)' },
      'consent-version': { type: 'string', help: 'version of the information text the person saw' },
      'auth-method': { type: 'string', help: 'how the person was identified, e.g. BANKID' },
      representative: { type: 'string', help: 'the guardian acting for a child under 13 (needs a GUARDIAN mandate)' },
    },
    patch(r: UpdateCaseOverviewConsentType, v) {
      r.subject = subjectOf(v) ?? r.subject;
      if (v.action) r.action = str(v, 'action') as UpdateCaseOverviewConsentType['action'];
      if (v['consent-version']) r.consentVersion = str(v, 'consent-version')!;
      if (v['auth-method']) r.authenticationMethod = str(v, 'auth-method')!;
      if (v.representative) r.representative = str(v, 'representative');
      r.time = nowUtc(); // when the person acted: now
    },
  },
  UpdateMandate: {
    options: {
      revoke: { type: 'string', help: 'revoke the mandate with this id (instead of registering one)' },
      'mandate-id': { type: 'string', help: 'id of the mandate to register' },
      'grantor-pnr': { type: 'string', help: 'grantor: personal identity number' },
      'grantor-org': { type: 'string', help: 'grantor: organisation number' },
      'grantor-name': { type: 'string', help: 'grantor name, for display' },
      representative: { type: 'string', help: "representative's personal identity number" },
      'mandate-role': { type: 'string', help: 'OMBUD, GUARDIAN, MAIN_REPORTER or REPORTER (a GUARDIAN mandate drops the sample scope and validTo)' },
      'scope-sender-org': { type: 'string', multiple: true, help: 'scope: sender organisation number, repeatable (scope options replace the sample scope)' },
      'scope-category': { type: 'string', multiple: true, help: 'scope: category, repeatable' },
      'scope-committee': { type: 'string', multiple: true, help: 'scope: committee code, repeatable' },
      'scope-service-area': { type: 'string', multiple: true, help: 'scope: service area, repeatable' },
      'valid-from': { type: 'string', help: 'xs:dateTime (default: today 00:00 UTC, so a repeat the same day is UNCHANGED)' },
      'valid-to': { type: 'string', help: 'xs:dateTime, exclusive, at most 3 years after valid-from (default: 2 years after it; none for GUARDIAN)' },
      'no-notify': { type: 'boolean', help: 'do not notify the representative' },
    },
    patch(r: UpdateMandateType, v) {
      if (v.revoke) {
        delete r.register;
        r.revoke = str(v, 'revoke')!;
        return;
      }
      const m: MandateType = r.register!;
      if (v['mandate-id']) m.mandateId = str(v, 'mandate-id')!;
      if (v['grantor-pnr']) m.grantor = { personalIdentityNumber: str(v, 'grantor-pnr')! };
      if (v['grantor-org']) m.grantor = { organisationNumber: str(v, 'grantor-org')! };
      if (v['grantor-name']) m.grantorName = str(v, 'grantor-name');
      if (v.representative) m.representative = str(v, 'representative')!;
      if (v['mandate-role']) {
        m.role = str(v, 'mandate-role') as MandateType['role'];
        // a guardian reads and consents for the whole child: no scope, and the mandate ends at the 13th birthday
        if (m.role === 'GUARDIAN') {
          delete m.scope;
          delete m.validTo;
        }
      }
      const scope = {
        senderOrganisationNumber: list(v, 'scope-sender-org'),
        category: list(v, 'scope-category'),
        committee: list(v, 'scope-committee'),
        serviceArea: list(v, 'scope-service-area') as NonNullable<MandateType['scope']>['serviceArea'],
      };
      if (Object.values(scope).some((l) => l !== undefined)) {
        m.scope = Object.fromEntries(Object.entries(scope).filter(([, l]) => l !== undefined));
      }
      // validity from today, not the sample's fixed dates, so a mandate registered with options is in effect now
      const from = v['valid-from'] ? new Date(str(v, 'valid-from')!) : new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
      m.validFrom = v['valid-from'] ? str(v, 'valid-from')! : from.toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (v['valid-to']) m.validTo = str(v, 'valid-to');
      else if (m.role !== 'GUARDIAN') m.validTo = new Date(Date.UTC(from.getUTCFullYear() + 2, from.getUTCMonth(), from.getUTCDate())).toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (v['no-notify']) m.notifyRepresentative = false;
    },
  },
  GetMandates: {
    options: {
      representative: { type: 'string', help: "the representative's personal identity number" },
    },
    patch(r: GetMandatesType, v) {
      if (v.representative) r.representative = str(v, 'representative')!;
    },
  },
  PingForConfiguration: { options: {}, patch() {} },
};
