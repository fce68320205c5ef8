/**
 * Realistic, varied request bodies for `npm run bench`: many ICD-10 codes from the demo FMB set, many
 * name prefixes and profession codes for SearchPersonnel, a unique case per PushCaseStatus (so every
 * push is a real durable write) and case-overview reads of subjects seeded before timing with a known
 * number of cases each (bench/seed.ts), so that an overview reads the same amount whenever it runs.
 * Each operation is described once here: endpoint path, SOAPAction, the dev PKI role TAK allows, and
 * a generator that returns the next envelope.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTRACT_NAMESPACES } from '../src/config.js';
import { PROFESSION_CODES } from '../src/licensetopractice/codes.js';
import { generatePerson, DEMO_SEED } from '../src/licensetopractice/generate.js';
import { SURNAMES_HEAD } from '../src/licensetopractice/names.js';

export type OperationName = 'GetDiagnosis' | 'GetDecisionSupport' | 'SearchPersonnel' | 'PushCaseStatus' | 'GetCaseOverview';
/** Operations used only to prepare a run (consent for the bench's subjects), never timed. */
export type SetupOperationName = 'UpdateCaseOverviewConsent';

export interface BenchOperation {
  readonly name: OperationName;
  readonly path: string;
  readonly soapAction: string;
  /** Development PKI role whose certificate the load generator presents (README, Development PKI). */
  readonly role: string;
  /** True when every request must differ (a new case per push); else a pool of `POOL_SIZE` is sent in turn. */
  readonly unique: boolean;
  /** The operation's answer is only done when its durable write was made (a push: CREATED or UPDATED). */
  readonly done?: (body: string) => boolean;
  /** Returns the next request envelope; every call may differ. */
  next(): string;
}

/** A push is done only when it was stored (README, Case hub): not UNCHANGED, STALE, or refused for want of consent. */
export const PUSH_DONE = (body: string): boolean => /<(?:[\w-]+:)?outcome>(?:CREATED|UPDATED)</.test(body);

const LA = 'TEST-PRODUCER';
const DOMAIN_PATHS: Record<OperationName | SetupOperationName, string> = {
  GetDiagnosis: 'processmanagement/decisionsupport/insurancemedicine',
  GetDecisionSupport: 'processmanagement/decisionsupport/insurancemedicine',
  SearchPersonnel: 'masterdata/organisationalresources/licensetopractice',
  PushCaseStatus: 'casemanagement/caseoverview',
  GetCaseOverview: 'casemanagement/caseoverview',
  UpdateCaseOverviewConsent: 'casemanagement/caseoverview',
};

export function endpointPath(op: OperationName | SetupOperationName, major = 1): string {
  return `/${DOMAIN_PATHS[op]}/${op}/${major}/rivtabp21`;
}

/** The responder namespace of an operation's major version (version 1's are in src/config.ts). */
function responderNamespace(op: OperationName | SetupOperationName, major = 1): string {
  if (op === 'UpdateCaseOverviewConsent' || major !== 1) return `urn:riv:${DOMAIN_PATHS[op].replaceAll('/', ':')}:${op}Responder:${major}`;
  return CONTRACT_NAMESPACES[op];
}

export function soapActionOf(op: OperationName | SetupOperationName, major = 1): string {
  return `${responderNamespace(op, major)}:${op}`;
}

function envelope(op: OperationName | SetupOperationName, body: string, extraNs = '', major = 1): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" ` +
    `xmlns:tjsr="${responderNamespace(op, major)}"${extraNs}>` +
    `<soapenv:Header><itr:LogicalAddress>${LA}</itr:LogicalAddress></soapenv:Header>` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** Every ICD-10 code the demo FMB set mentions (diagnoses and decision-support code lists). */
function demoIcd10Codes(root: string): string[] {
  const file = path.join(root, 'src', 'insurancemedicine', 'demo', 'fmb-demo.json');
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    diagnoses: Array<{ code: string }>;
    decisionSupports: Array<{ diagnosisCodes: string[] }>;
  };
  const codes = new Set<string>();
  for (const d of data.diagnoses) codes.add(d.code);
  for (const s of data.decisionSupports) for (const c of s.diagnosisCodes) codes.add(c);
  return [...codes].sort();
}

/** A small deterministic PRNG (mulberry32), so a run's request mix is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FMB_NS = ' xmlns:core="urn:riv:processmanagement:decisionsupport:insurancemedicine:1"';
const caseNs = (major: number) => ` xmlns:core="urn:riv:casemanagement:caseoverview:${major}"`;
/** Distinct requests per read operation, sent in turn by every connection. */
export const POOL_SIZE = 1000;
/** Subjects of the timed pushes (each push a new case of one of them). */
const PUSH_SUBJECTS = 2000;
/** Subjects GetCaseOverview reads, each seeded with exactly `casesPerSubject` cases before timing. */
const OVERVIEW_SUBJECTS = 200;
/** Cases per subject of the overview points that the targets judge (the `cases_per_subject` 10 entry). */
export const CASES_PER_SUBJECT = 10;

/** A subject as the case hub's contracts carry it: its element (person or coordination number) and number. */
export interface BenchSubject {
  readonly element: 'personalIdentityNumber' | 'coordinationNumber';
  readonly id: string;
}

/** A generated person of the demo seed as a case subject; the pools below use disjoint indexes. */
function subjectAt(index: number): BenchSubject {
  const person = generatePerson(DEMO_SEED, index);
  return { element: person.coordination ? 'coordinationNumber' : 'personalIdentityNumber', id: person.identityNumber };
}

export const pushSubjects = (): BenchSubject[] => Array.from({ length: PUSH_SUBJECTS }, (_, i) => subjectAt(i * 7 + 3));
export const overviewSubjects = (count = OVERVIEW_SUBJECTS): BenchSubject[] => Array.from({ length: count }, (_, i) => subjectAt(i * 7 + 5));
/** The subject with many cases, read page by page (the 10 against 10,000 row). */
export const deepSubject = (): BenchSubject => subjectAt(999_991);

const subjectXml = (s: BenchSubject) => `<core:${s.element}>${s.id}</core:${s.element}>`;

export interface RequestOptions {
  readonly root: string;
  /** Distinguishes case ids between runs on the same database. */
  readonly runId: string;
  readonly seed?: number;
  /** GetCaseOverview's major version to read: 2 has maxResults and continuation (read with maxResults 10). */
  readonly overviewMajor?: 1 | 2;
}

/** One PushCaseStatus envelope (version 1) for a new or updated case of `subject`. */
export function pushEnvelope(caseId: string, subject: BenchSubject, title: string, status: string, created: Date, updated: Date): string {
  return envelope(
    'PushCaseStatus',
    `<tjsr:PushCaseStatus><tjsr:caseStatus>` +
      `<core:caseId>${caseId}</core:caseId>` +
      `<core:subject>${subjectXml(subject)}</core:subject>` +
      `<core:senderOrganisation><core:organisationNumber>5599999991</core:organisationNumber><core:name>Testkommunen</core:name></core:senderOrganisation>` +
      `<core:title>${title}</core:title>` +
      `<core:status>${status}</core:status>` +
      `<core:statusDate>${updated.toISOString()}</core:statusDate><core:caseCreated>${created.toISOString()}</core:caseCreated><core:caseUpdated>${updated.toISOString()}</core:caseUpdated>` +
      `<core:notify>true</core:notify>` +
      `</tjsr:caseStatus></tjsr:PushCaseStatus>`,
    caseNs(1),
  );
}

/** One GetCaseOverview envelope; version 2 with maxResults and, for a later page, a continuation. */
export function overviewEnvelope(subject: BenchSubject, major: 1 | 2, page: { maxResults?: number; continuation?: string } = {}): string {
  const paging =
    major === 2
      ? `${page.maxResults !== undefined ? `<tjsr:maxResults>${page.maxResults}</tjsr:maxResults>` : ''}` +
        `${page.continuation !== undefined ? `<tjsr:continuation>${page.continuation}</tjsr:continuation>` : ''}`
      : '';
  return envelope('GetCaseOverview', `<tjsr:GetCaseOverview><tjsr:subject>${subjectXml(subject)}</tjsr:subject>${paging}</tjsr:GetCaseOverview>`, caseNs(major), major);
}

/** UpdateCaseOverviewConsent GIVE for a person subject, as a case view sends it after login. */
export function consentEnvelope(subject: BenchSubject): string {
  return envelope(
    'UpdateCaseOverviewConsent',
    `<tjsr:UpdateCaseOverviewConsent><tjsr:subject>${subjectXml(subject)}</tjsr:subject><tjsr:action>GIVE</tjsr:action>` +
      `<tjsr:consentVersion>bench-1</tjsr:consentVersion><tjsr:authenticationMethod>BANKID</tjsr:authenticationMethod>` +
      `<tjsr:time>${new Date().toISOString()}</tjsr:time></tjsr:UpdateCaseOverviewConsent>`,
    caseNs(2),
  );
}

export function benchOperations(options: RequestOptions): BenchOperation[] {
  const random = rng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const codes = demoIcd10Codes(options.root);
  // ICD-10 codes are accepted in several spellings (F32.1, f321); vary them as real callers do
  const spell = (c: string) => (random() < 0.2 ? c.replace('.', '').toLowerCase() : c);
  const prefixes = [...new Set(SURNAMES_HEAD.map(([n]) => n.slice(0, 3 + Math.floor(n.length % 3))))];
  // about 2 % of generated persons have a coordination number, which goes in its own subject element
  const pushed = pushSubjects();
  const read = overviewSubjects();
  const overviewMajor = options.overviewMajor ?? 1;
  let caseCounter = 0;

  const op = (name: OperationName, role: string, next: () => string, major = 1): BenchOperation => ({
    name,
    path: endpointPath(name, major),
    soapAction: soapActionOf(name, major),
    role,
    unique: name === 'PushCaseStatus',
    ...(name === 'PushCaseStatus' ? { done: PUSH_DONE } : {}),
    next,
  });

  return [
    op('GetDiagnosis', 'journal-system', () => {
      const n = 1 + Math.floor(random() * 3);
      const items = Array.from({ length: n }, () => `<tjsr:diagnosisCode><core:code>${spell(pick(codes))}</core:code></tjsr:diagnosisCode>`);
      return envelope('GetDiagnosis', `<tjsr:GetDiagnosis>${items.join('')}</tjsr:GetDiagnosis>`, FMB_NS);
    }),
    op('GetDecisionSupport', 'journal-system', () =>
      envelope(
        'GetDecisionSupport',
        `<tjsr:GetDecisionSupport><tjsr:diagnosisCode><core:code>${spell(pick(codes))}</core:code>` +
          `<core:codeSystem>1.2.752.116.1.1.1.3.2</core:codeSystem></tjsr:diagnosisCode></tjsr:GetDecisionSupport>`,
        FMB_NS,
      ),
    ),
    // the "name prefix plus profession" target (docs/design.md, Performance targets) on the 500k register
    op('SearchPersonnel', 'supervisor', () =>
      envelope(
        'SearchPersonnel',
        `<tjsr:SearchPersonnel><tjsr:familyName>${pick(prefixes)}*</tjsr:familyName>` +
          `<tjsr:professionCode>${pick(PROFESSION_CODES)}</tjsr:professionCode><tjsr:maxResults>20</tjsr:maxResults></tjsr:SearchPersonnel>`,
      ),
    ),
    op('PushCaseStatus', 'case-system', () => {
      const n = caseCounter++;
      const now = Date.now();
      const created = new Date(now - 3_600_000 - Math.floor(random() * 86_400_000));
      const updated = new Date(now - 1000);
      const status = pick(['RECEIVED', 'IN_PROGRESS', 'ACTION_REQUIRED', 'CLOSED']);
      const title = `Ansökan ${n}: ${pick(['bygglov', 'färdtjänst', 'bostadsanpassning', 'parkeringstillstånd'])}`;
      return pushEnvelope(`bench-${options.runId}-${n}`, pushed[n % pushed.length]!, title, status, created, updated);
    }),
    // the subjects seeded with CASES_PER_SUBJECT cases each; version 2 reads one page of maxResults 10
    op('GetCaseOverview', 'case-view', () => overviewEnvelope(pick(read), overviewMajor, { maxResults: CASES_PER_SUBJECT }), overviewMajor),
  ];
}
