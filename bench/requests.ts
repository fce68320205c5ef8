/**
 * Realistic, varied request bodies for `npm run bench`: many ICD-10 codes from the demo FMB set, many
 * name prefixes and profession codes for SearchPersonnel, a unique case per PushCaseStatus (so every
 * push is a real durable write) and case-overview reads for the subjects those pushes used.
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

/** A request sent once, before an operation is timed, whose answer must match `expect` (e.g. consent before pushes). */
interface SetupRequest {
  readonly path: string;
  readonly soapAction: string;
  readonly role: string;
  readonly body: string;
  readonly expect: RegExp;
}

export interface BenchOperation {
  readonly name: OperationName;
  readonly path: string;
  readonly soapAction: string;
  /** Development PKI role whose certificate the load generator presents (spec §4.6 TAK). */
  readonly role: string;
  /** True when every request must differ (a new case per push); else a pool of `POOL_SIZE` is sent in turn. */
  readonly unique: boolean;
  /** Returns the next request envelope; every call may differ. */
  next(): string;
  /**
   * A 200 answer counts as done only when it matches (a push only when stored: CREATED or UPDATED); any other
   * answer counts as a logical error. Absent: every answer without resultCode ERROR is done.
   */
  readonly done?: RegExp;
  /** Sent once before the operation is timed (bench/load.ts sendSetup). */
  readonly setup?: readonly SetupRequest[];
}

const LA = 'TEST-PRODUCER';
const DOMAIN_PATHS: Record<OperationName, string> = {
  GetDiagnosis: 'processmanagement/decisionsupport/insurancemedicine',
  GetDecisionSupport: 'processmanagement/decisionsupport/insurancemedicine',
  SearchPersonnel: 'masterdata/organisationalresources/licensetopractice',
  PushCaseStatus: 'casemanagement/caseoverview',
  GetCaseOverview: 'casemanagement/caseoverview',
};

export function endpointPath(op: OperationName): string {
  return `/${DOMAIN_PATHS[op]}/${op}/1/rivtabp21`;
}

function envelope(op: OperationName, body: string, extraNs = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" ` +
    `xmlns:tjsr="${CONTRACT_NAMESPACES[op]}"${extraNs}>` +
    `<soapenv:Header><itr:LogicalAddress>${LA}</itr:LogicalAddress></soapenv:Header>` +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

/** Every ICD-10 code the demo FMB set mentions (diagnoses and decision-support code lists). */
export function demoIcd10Codes(root: string): string[] {
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
const CASE_NS = ' xmlns:core="urn:riv:casemanagement:caseoverview:1"';
/** Distinct requests per read operation, sent in turn by every connection. */
export const POOL_SIZE = 1000;
/** Subjects of the pushed cases; GetCaseOverview reads the same ones. */
const SUBJECT_POOL = 2000;

export interface RequestOptions {
  readonly root: string;
  /** Distinguishes case ids between runs on the same database. */
  readonly runId: string;
  readonly seed?: number;
}

/** A push is done only when it was stored; an answer without outcome (no consent) or STALE/UNCHANGED is not. */
const PUSH_DONE = /outcome>(CREATED|UPDATED)</;

const withDone = (op: BenchOperation, done: RegExp, setup: readonly SetupRequest[]): BenchOperation => ({ ...op, done, setup });

export function benchOperations(options: RequestOptions): BenchOperation[] {
  const random = rng(options.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const codes = demoIcd10Codes(options.root);
  // ICD-10 codes are accepted in several spellings (F32.1, f321); vary them as real callers do
  const spell = (c: string) => (random() < 0.2 ? c.replace('.', '').toLowerCase() : c);
  const prefixes = [...new Set(SURNAMES_HEAD.map(([n]) => n.slice(0, 3 + Math.floor(n.length % 3))))];
  // about 2 % of generated persons have a coordination number, which goes in its own subject element
  const subjects = Array.from({ length: SUBJECT_POOL }, (_, i) => {
    const person = generatePerson(DEMO_SEED, i * 7 + 3);
    const element = person.coordination ? 'coordinationNumber' : 'personalIdentityNumber';
    return `<core:${element}>${person.identityNumber}</core:${element}>`;
  });
  let caseCounter = 0;

  const op = (name: OperationName, role: string, next: () => string): BenchOperation => ({
    name,
    path: endpointPath(name),
    soapAction: `${CONTRACT_NAMESPACES[name]}:${name}`,
    role,
    unique: name === 'PushCaseStatus',
    next,
  });

  // A person's push is stored only with consent (README, "Case hub"): every subject the pushes use gets it first,
  // through the view's operation, as the view would.
  const consentNs = CONTRACT_NAMESPACES.UpdateCaseOverviewConsent;
  const consent: SetupRequest[] = subjects.map((subject) => ({
    path: `/${DOMAIN_PATHS.PushCaseStatus}/UpdateCaseOverviewConsent/1/rivtabp21`,
    soapAction: `${consentNs}:UpdateCaseOverviewConsent`,
    role: 'case-view',
    body:
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1" ` +
      `xmlns:tjsr="${consentNs}" xmlns:core="urn:riv:casemanagement:caseoverview:2">` +
      `<soapenv:Header><itr:LogicalAddress>${LA}</itr:LogicalAddress></soapenv:Header><soapenv:Body>` +
      `<tjsr:UpdateCaseOverviewConsent><tjsr:subject>${subject}</tjsr:subject><tjsr:action>GIVE</tjsr:action>` +
      `<tjsr:consentVersion>bench-1</tjsr:consentVersion><tjsr:authenticationMethod>BENCH</tjsr:authenticationMethod>` +
      `<tjsr:time>${new Date().toISOString()}</tjsr:time></tjsr:UpdateCaseOverviewConsent></soapenv:Body></soapenv:Envelope>`,
    expect: /consentStatus>ACTIVE</,
  }));

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
    // spec §8: "name prefix plus profession" on the 500k register
    op('SearchPersonnel', 'supervisor', () =>
      envelope(
        'SearchPersonnel',
        `<tjsr:SearchPersonnel><tjsr:familyName>${pick(prefixes)}*</tjsr:familyName>` +
          `<tjsr:professionCode>${pick(PROFESSION_CODES)}</tjsr:professionCode><tjsr:maxResults>20</tjsr:maxResults></tjsr:SearchPersonnel>`,
      ),
    ),
    withDone(op('PushCaseStatus', 'case-system', () => {
      const n = caseCounter++;
      const now = Date.now();
      const created = new Date(now - 3_600_000 - Math.floor(random() * 86_400_000)).toISOString();
      const updated = new Date(now - 1000).toISOString();
      const status = pick(['RECEIVED', 'IN_PROGRESS', 'ACTION_REQUIRED', 'CLOSED']);
      return envelope(
        'PushCaseStatus',
        `<tjsr:PushCaseStatus><tjsr:caseStatus>` +
          `<core:caseId>bench-${options.runId}-${n}</core:caseId>` +
          `<core:subject>${subjects[n % SUBJECT_POOL]}</core:subject>` +
          `<core:senderOrganisation><core:organisationNumber>5599999991</core:organisationNumber><core:name>Testkommunen</core:name></core:senderOrganisation>` +
          `<core:title>Ansökan ${n}: ${pick(['bygglov', 'färdtjänst', 'bostadsanpassning', 'parkeringstillstånd'])}</core:title>` +
          `<core:status>${status}</core:status>` +
          `<core:statusDate>${updated}</core:statusDate><core:caseCreated>${created}</core:caseCreated><core:caseUpdated>${updated}</core:caseUpdated>` +
          `<core:notify>true</core:notify>` +
          `</tjsr:caseStatus></tjsr:PushCaseStatus>`,
        CASE_NS,
      );
    }), PUSH_DONE, consent),
    op('GetCaseOverview', 'case-view', () =>
      envelope(
        'GetCaseOverview',
        `<tjsr:GetCaseOverview><tjsr:subject>${pick(subjects)}</tjsr:subject></tjsr:GetCaseOverview>`,
        CASE_NS,
      ),
    ),
  ];
}
