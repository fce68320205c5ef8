/**
 * PushCaseStatus / GetCaseOverview envelopes for the case-hub tests, and valid synthetic identity numbers
 * (check digits computed here, so tests can make as many distinct subjects as they need).
 */
const CASE_LA = 'TEST-PRODUCER';
export const PUSH_ACTION = 'urn:riv:casemanagement:caseoverview:PushCaseStatusResponder:1:PushCaseStatus';
export const OVERVIEW_ACTION = 'urn:riv:casemanagement:caseoverview:GetCaseOverviewResponder:1:GetCaseOverview';
export const pathOf = (op: 'PushCaseStatus' | 'GetCaseOverview', version: 1 | 2 = 1) => `/casemanagement/caseoverview/${op}/${version}/rivtabp21`;
export const PUSH_ACTION_V2 = 'urn:riv:casemanagement:caseoverview:PushCaseStatusResponder:2:PushCaseStatus';
export const OVERVIEW_ACTION_V2 = 'urn:riv:casemanagement:caseoverview:GetCaseOverviewResponder:2:GetCaseOverview';
/** The responder and core namespaces of a major. */
const ns = (op: 'PushCaseStatus' | 'GetCaseOverview', version: 1 | 2) =>
  ` xmlns:tjsr="urn:riv:casemanagement:caseoverview:${op}Responder:${version}" xmlns:core="urn:riv:casemanagement:caseoverview:${version}"`;

/** Luhn check digit over the 9 digits YYMMDDNNN. */
function luhn(nine: string): number {
  let sum = 0;
  for (let i = 0; i < nine.length; i++) {
    let d = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A valid 12-digit personnummer for date YYYYMMDD and serial NNN (a samordningsnummer when day+60 is passed). */
export function identityNumber(yyyymmdd: string, serial: number): string {
  const nnn = String(serial).padStart(3, '0');
  return `${yyyymmdd}${nnn}${luhn(yyyymmdd.slice(2) + nnn)}`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface CaseFields {
  caseId: string;
  subject: string;
  subjectKind?: 'personalIdentityNumber' | 'coordinationNumber' | 'organisationNumber';
  org?: string;
  orgName?: string;
  title?: string;
  status?: 'RECEIVED' | 'IN_PROGRESS' | 'ACTION_REQUIRED' | 'CLOSED';
  statusDate?: string;
  caseCreated?: string;
  caseUpdated: string;
  caseLink?: string;
  freeText?: string;
  category?: string;
  /** Version 2 only. */
  committee?: { code: string; name: string };
  serviceArea?: string;
  notify?: boolean;
  id?: string;
}

function caseStatusXml(f: CaseFields): string {
  const kind = f.subjectKind ?? 'personalIdentityNumber';
  const created = f.caseCreated ?? '2025-03-18T08:02:11+01:00';
  return (
    `<tjsr:caseStatus${f.id ? ` Id="${f.id}"` : ''}>` +
    `<core:caseId>${esc(f.caseId)}</core:caseId>` +
    `<core:subject><core:${kind}>${f.subject}</core:${kind}></core:subject>` +
    `<core:senderOrganisation><core:organisationNumber>${f.org ?? '5599999991'}</core:organisationNumber><core:name>${esc(f.orgName ?? 'Testkommunen')}</core:name></core:senderOrganisation>` +
    `<core:title>${esc(f.title ?? 'Ansökan om bygglov')}</core:title>` +
    (f.category ? `<core:category>${esc(f.category)}</core:category>` : '') +
    `<core:status>${f.status ?? 'RECEIVED'}</core:status>` +
    `<core:statusDate>${f.statusDate ?? f.caseUpdated}</core:statusDate>` +
    `<core:caseCreated>${created}</core:caseCreated>` +
    `<core:caseUpdated>${f.caseUpdated}</core:caseUpdated>` +
    (f.caseLink ? `<core:caseLink>${esc(f.caseLink)}</core:caseLink>` : '') +
    (f.freeText ? `<core:freeText>${esc(f.freeText)}</core:freeText>` : '') +
    (f.committee ? `<core:committee><core:code>${esc(f.committee.code)}</core:code><core:name>${esc(f.committee.name)}</core:name></core:committee>` : '') +
    (f.serviceArea ? `<core:serviceArea>${f.serviceArea}</core:serviceArea>` : '') +
    (f.notify === undefined ? '' : `<core:notify>${f.notify}</core:notify>`) +
    `</tjsr:caseStatus>`
  );
}

export function pushEnvelope(f: CaseFields, version: 1 | 2 = 1): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1"` +
    ns('PushCaseStatus', version) +
    `>` +
    `<soapenv:Header><itr:LogicalAddress>${CASE_LA}</itr:LogicalAddress></soapenv:Header>` +
    `<soapenv:Body><tjsr:PushCaseStatus>${caseStatusXml(f)}</tjsr:PushCaseStatus></soapenv:Body></soapenv:Envelope>`
  );
}

export interface OverviewFields {
  subject: string;
  subjectKind?: CaseFields['subjectKind'];
  senderOrganisationNumber?: string;
  status?: string[];
  updatedSince?: string;
  /** Version 2 only. */
  representative?: string;
  maxResults?: number;
  continuation?: string;
}

export function overviewEnvelope(f: OverviewFields, version: 1 | 2 = 1): string {
  const kind = f.subjectKind ?? 'personalIdentityNumber';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1"` +
    ns('GetCaseOverview', version) +
    `>` +
    `<soapenv:Header><itr:LogicalAddress>${CASE_LA}</itr:LogicalAddress></soapenv:Header>` +
    `<soapenv:Body><tjsr:GetCaseOverview><tjsr:subject><core:${kind}>${f.subject}</core:${kind}></tjsr:subject>` +
    (f.representative ? `<tjsr:representative>${f.representative}</tjsr:representative>` : '') +
    (f.senderOrganisationNumber ? `<tjsr:senderOrganisationNumber>${f.senderOrganisationNumber}</tjsr:senderOrganisationNumber>` : '') +
    (f.status ?? []).map((s) => `<tjsr:status>${s}</tjsr:status>`).join('') +
    (f.updatedSince ? `<tjsr:updatedSince>${f.updatedSince}</tjsr:updatedSince>` : '') +
    (f.maxResults !== undefined ? `<tjsr:maxResults>${f.maxResults}</tjsr:maxResults>` : '') +
    (f.continuation ? `<tjsr:continuation>${esc(f.continuation)}</tjsr:continuation>` : '') +
    `</tjsr:GetCaseOverview></soapenv:Body></soapenv:Envelope>`
  );
}

/** Text of every `<…:name>` element in a response. */
export function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${name}>`, 'g'))].map((m) => m[1]!);
}
