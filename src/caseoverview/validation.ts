/**
 * Business rules of the case hub beyond the XSD (README, "Case hub"): identity numbers with check digits,
 * https-only links, lengths (again, since XSD validation can be switched off per contract), and the
 * time rules. Turns a decoded `caseStatus` into the normalised case that is stored: times in UTC,
 * texts as given, and the signature/Id/notify envelope details dropped.
 */
import { validIdentityNumber, validOrganisationNumber } from '../identity-numbers.js';
import { parseXsDateTime } from '../soap/datetime.js';
import type { SubjectType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_1.js';
import type { CaseStatusType, ServiceAreaEnum } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';

/** How far a time may lie in the future (clock skew between sender and hub). */
const MAX_FUTURE_MS = 5 * 60 * 1000;

export type ErrorCode = 'VALIDATION_ERROR' | 'ACCESS_DENIED';

/**
 * A request refused with a logical error (normal response, result ERROR). Its message names the
 * element and the rule, never a value from the request (README, "No echo").
 */
export class CaseRefusal extends Error {
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): never => {
  throw new CaseRefusal('VALIDATION_ERROR', message);
};

export type SubjectKind = 'personalIdentityNumber' | 'coordinationNumber' | 'organisationNumber';
export interface Subject {
  readonly kind: SubjectKind;
  readonly id: string;
}

/**
 * A sender's organisation number (`senderOrganisation.organisationNumber`, the `senderOrganisationNumber` filter,
 * a mandate scope's `senderOrganisationNumber`): checked for its form, 10 digits, and no check digit. For pushes
 * the consumer registry is the authority on who sends for whom; the check digit applies to the numbers of those
 * whose data it is, subjects and grantors (docs/hub-people.md#sender-organisation-numbers).
 */
export function isSenderOrganisationNumber(value: string): boolean {
  return /^\d{10}$/.test(value);
}

export function validateSubject(subject: SubjectType | undefined): Subject {
  const given = (['personalIdentityNumber', 'coordinationNumber', 'organisationNumber'] as const).filter(
    (k) => typeof subject?.[k] === 'string' && subject[k] !== '',
  );
  if (given.length !== 1) return invalid('subject must hold exactly one of personalIdentityNumber, coordinationNumber, organisationNumber');
  const kind = given[0]!;
  const id = subject![kind]!.trim();
  const ok =
    kind === 'organisationNumber' ? validOrganisationNumber(id) : validIdentityNumber(id, kind === 'coordinationNumber');
  if (!ok) invalid(`subject ${kind} is not valid (format or check digit)`);
  return { kind, id };
}

/**
 * xs:dateTime → epoch ms, or undefined when it is not a real instant. A time without a zone is read as
 * Swedish local time (Europe/Stockholm): the senders are Swedish agencies, and reading it as UTC would
 * put every such time one or two hours off (and trip the future-time rule).
 */
export const parseDateTime = (value: string | undefined): number | undefined => parseXsDateTime(value, 'Europe/Stockholm');

export const toUtc = (ms: number): string => new Date(ms).toISOString();

/** The stored form of a case: what GetCaseOverview shows, and what the content MAC covers. */
export interface CaseContent {
  readonly caseId: string;
  readonly registryNumber?: string;
  readonly subject: Subject;
  readonly senderOrganisation: { readonly organisationNumber: string; readonly name: string };
  readonly title: string;
  readonly category?: string;
  readonly status: CaseStatusType['status'];
  readonly sourceStatusText?: string;
  readonly statusDate: string;
  readonly caseCreated: string;
  readonly caseUpdated: string;
  readonly processingTimeForecast?: { readonly value: number; readonly unit: 'DAYS' | 'WEEKS' | 'MONTHS' };
  readonly caseLink?: string;
  readonly plannedEvent?: { readonly text: string; readonly time: string };
  readonly paymentStatus?: string;
  readonly caseOfficer?: string;
  readonly freeText?: string;
  readonly additionalInformation?: ReadonlyArray<{ readonly title: string; readonly value: string }>;
  /** Version 2, organisation subjects only: the committee (matched by code) and the service area. */
  readonly committee?: { readonly code: string; readonly name: string };
  readonly serviceArea?: ServiceAreaEnum;
}

function text(value: string | undefined, field: string, max: number, required: true): string;
function text(value: string | undefined, field: string, max: number, required?: false): string | undefined;
function text(value: string | undefined, field: string, max: number, required = false): string | undefined {
  if (value === undefined || value === null) {
    if (required) invalid(`${field} is required`);
    return undefined;
  }
  const s = String(value);
  if (s.trim().length === 0) return required ? invalid(`${field} must not be empty`) : undefined;
  if ([...s].length > max) invalid(`${field} is longer than ${max} characters`);
  return s;
}

function time(value: string | undefined, field: string): number {
  return parseDateTime(value) ?? invalid(`${field} is not a valid dateTime`);
}

const STATUSES = new Set(['RECEIVED', 'IN_PROGRESS', 'ACTION_REQUIRED', 'CLOSED']);
const UNITS = new Set(['DAYS', 'WEEKS', 'MONTHS']);
const SERVICE_AREAS: ReadonlySet<string> = new Set<ServiceAreaEnum>(['SOL_IFO', 'SOL_DISABILITY', 'LSS_DISABILITY', 'SOL_ELDERLY', 'OTHER']);

function validateCaseLink(link: string | undefined): string | undefined {
  const value = text(link, 'caseLink', 2000)?.trim();
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid('caseLink is not an absolute URL');
  }
  if (url.protocol !== 'https:' || url.hostname === '') invalid('caseLink must be an https URL');
  if (url.username || url.password) invalid('caseLink must not carry credentials');
  return value;
}

/**
 * Validates a pushed caseStatus against the rules beyond the XSD, at server time `now`. Version 1's
 * caseStatus is version 2's without committee and serviceArea, so one function serves both.
 */
export function validateCaseStatus(cs: CaseStatusType, now: number): CaseContent {
  const caseId = text(cs.caseId, 'caseId', 64, true);
  const subject = validateSubject(cs.subject);
  const orgNumber = String(cs.senderOrganisation?.organisationNumber ?? '').trim();
  if (!isSenderOrganisationNumber(orgNumber)) invalid('senderOrganisation.organisationNumber is not an organisation number of 10 digits');
  if (!STATUSES.has(cs.status)) invalid('status is not one of RECEIVED, IN_PROGRESS, ACTION_REQUIRED, CLOSED');

  const created = time(cs.caseCreated, 'caseCreated');
  const updated = time(cs.caseUpdated, 'caseUpdated');
  const statusDate = time(cs.statusDate, 'statusDate');
  if (updated < created) invalid('caseUpdated is earlier than caseCreated');
  if (statusDate < created) invalid('statusDate is earlier than caseCreated');
  for (const [field, t] of [['caseCreated', created], ['caseUpdated', updated], ['statusDate', statusDate]] as const) {
    if (t > now + MAX_FUTURE_MS) invalid(`${field} is more than 5 minutes in the future`);
  }

  const forecast = cs.processingTimeForecast;
  if (forecast && (!Number.isInteger(forecast.value) || forecast.value < 1 || !UNITS.has(forecast.unit))) {
    invalid('processingTimeForecast needs a positive integer value and a unit of DAYS, WEEKS or MONTHS');
  }
  const additional = cs.additionalInformation ?? [];
  if (additional.length > 20) invalid('at most 20 additionalInformation entries');
  // Committee and service area describe a municipality's (or other organisation's) case; a person's case has
  // neither (docs/hub-people.md#pushes-and-consent).
  if (subject.kind !== 'organisationNumber' && (cs.committee !== undefined || cs.serviceArea !== undefined)) {
    invalid('committee and serviceArea are only allowed when the subject is an organisation');
  }
  let committee: CaseContent['committee'];
  if (cs.committee !== undefined) {
    const code = text(cs.committee.code, 'committee.code', 32, true);
    committee = { code, name: text(cs.committee.name, 'committee.name', 200, true) };
  }
  if (cs.serviceArea !== undefined && !SERVICE_AREAS.has(cs.serviceArea)) {
    invalid('serviceArea is not one of SOL_IFO, SOL_DISABILITY, LSS_DISABILITY, SOL_ELDERLY, OTHER');
  }

  return {
    caseId,
    registryNumber: text(cs.registryNumber, 'registryNumber', 64),
    subject,
    senderOrganisation: { organisationNumber: orgNumber, name: text(cs.senderOrganisation.name, 'senderOrganisation.name', 200, true) },
    title: text(cs.title, 'title', 200, true),
    category: text(cs.category, 'category', 200),
    status: cs.status,
    sourceStatusText: text(cs.sourceStatusText, 'sourceStatusText', 200),
    statusDate: toUtc(statusDate),
    caseCreated: toUtc(created),
    caseUpdated: toUtc(updated),
    processingTimeForecast: forecast ? { value: forecast.value, unit: forecast.unit } : undefined,
    caseLink: validateCaseLink(cs.caseLink),
    // A planned event is by nature in the future; only its syntax is checked.
    plannedEvent: cs.plannedEvent
      ? { text: text(cs.plannedEvent.text, 'plannedEvent.text', 200, true), time: toUtc(time(cs.plannedEvent.time, 'plannedEvent.time')) }
      : undefined,
    paymentStatus: text(cs.paymentStatus, 'paymentStatus', 200),
    caseOfficer: text(cs.caseOfficer, 'caseOfficer', 200),
    freeText: text(cs.freeText, 'freeText', 2000),
    additionalInformation: additional.length
      ? additional.map((a, i) => ({
          // Positions are 1-based, as in every message that names one.
          title: text(a.title, `additionalInformation[${i + 1}].title`, 200, true),
          value: text(a.value, `additionalInformation[${i + 1}].value`, 2000, true),
        }))
      : undefined,
    ...(committee ? { committee } : {}),
    ...(cs.serviceArea !== undefined ? { serviceArea: cs.serviceArea } : {}),
  };
}

/** The `result` of a refused call (both case-hub contracts share ResultType). */
export function refusalResult(logId: string, refusal: CaseRefusal): { resultCode: 'ERROR'; errorCode: ErrorCode; logId: string; message: string } {
  return { resultCode: 'ERROR', errorCode: refusal.errorCode, logId, message: refusal.message };
}
