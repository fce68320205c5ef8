/**
 * The case hub's people in end-to-end tests: UpdateMandate, GetMandates and UpdateCaseOverviewConsent envelopes,
 * identity numbers of a given age (check digits computed, so every rule can be tested from today), and the whole
 * application on either engine (a fresh PostgreSQL schema per app when asked, shared by a second instance).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { getMandatesContract, updateCaseOverviewConsentContract, updateMandateContract } from '../../contracts/index.js';
import type { ContractDefinition } from '../../contracts/rivta.js';
import { endpointPath } from '../../src/soap/service.js';
import { validateResponse } from '../../src/soap/validator.js';
import type { Engine } from '../../src/storage/database.js';
import type { SoapReply, TestApp } from './app-fixture.js';
import { identityNumber } from './case-envelopes.js';

const LA = 'TEST-PRODUCER';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const envelope = (responder: string, body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>` +
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1"` +
  ` xmlns:tjsr="urn:riv:casemanagement:caseoverview:${responder}:1" xmlns:core="urn:riv:casemanagement:caseoverview:2">` +
  `<soapenv:Header><itr:LogicalAddress>${LA}</itr:LogicalAddress></soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

type SubjectKind = 'personalIdentityNumber' | 'coordinationNumber' | 'organisationNumber';

export interface MandateFields {
  mandateId: string;
  grantor: string;
  grantorKind?: SubjectKind;
  grantorName?: string;
  representative: string;
  role: 'OMBUD' | 'GUARDIAN' | 'MAIN_REPORTER' | 'REPORTER' | string;
  scope?: { senderOrganisationNumber?: string[]; category?: string[]; committee?: string[]; serviceArea?: string[] };
  validFrom: string;
  validTo?: string;
  notifyRepresentative?: boolean;
}

export function registerEnvelope(f: MandateFields): string {
  const scope = f.scope
    ? `<core:scope>` +
      (['senderOrganisationNumber', 'category', 'committee', 'serviceArea'] as const)
        .flatMap((list) => (f.scope![list] ?? []).map((v) => `<core:${list}>${esc(v)}</core:${list}>`))
        .join('') +
      `</core:scope>`
    : '';
  return envelope(
    'UpdateMandateResponder',
    `<tjsr:UpdateMandate><tjsr:register>` +
      `<core:mandateId>${esc(f.mandateId)}</core:mandateId>` +
      `<core:grantor><core:${f.grantorKind ?? 'personalIdentityNumber'}>${f.grantor}</core:${f.grantorKind ?? 'personalIdentityNumber'}></core:grantor>` +
      (f.grantorName ? `<core:grantorName>${esc(f.grantorName)}</core:grantorName>` : '') +
      `<core:representative>${f.representative}</core:representative>` +
      `<core:role>${f.role}</core:role>` +
      scope +
      `<core:validFrom>${f.validFrom}</core:validFrom>` +
      (f.validTo ? `<core:validTo>${f.validTo}</core:validTo>` : '') +
      `<core:notifyRepresentative>${f.notifyRepresentative ?? false}</core:notifyRepresentative>` +
      `</tjsr:register></tjsr:UpdateMandate>`,
  );
}

export const revokeEnvelope = (mandateId: string) =>
  envelope('UpdateMandateResponder', `<tjsr:UpdateMandate><tjsr:revoke>${esc(mandateId)}</tjsr:revoke></tjsr:UpdateMandate>`);

export const getMandatesEnvelope = (representative: string) =>
  envelope('GetMandatesResponder', `<tjsr:GetMandates><tjsr:representative>${representative}</tjsr:representative></tjsr:GetMandates>`);

export interface ConsentFields {
  subject: string;
  subjectKind?: SubjectKind;
  action: 'GIVE' | 'REVOKE';
  consentVersion?: string;
  authenticationMethod?: string;
  time?: string;
  representative?: string;
}

export const consentEnvelope = (f: ConsentFields) =>
  envelope(
    'UpdateCaseOverviewConsentResponder',
    `<tjsr:UpdateCaseOverviewConsent>` +
      `<tjsr:subject><core:${f.subjectKind ?? 'personalIdentityNumber'}>${f.subject}</core:${f.subjectKind ?? 'personalIdentityNumber'}></tjsr:subject>` +
      `<tjsr:action>${f.action}</tjsr:action>` +
      `<tjsr:consentVersion>${esc(f.consentVersion ?? '2025-01')}</tjsr:consentVersion>` +
      `<tjsr:authenticationMethod>${esc(f.authenticationMethod ?? 'BANKID')}</tjsr:authenticationMethod>` +
      `<tjsr:time>${f.time ?? new Date().toISOString()}</tjsr:time>` +
      (f.representative ? `<tjsr:representative>${f.representative}</tjsr:representative>` : '') +
      `</tjsr:UpdateCaseOverviewConsent>`,
  );

const OPS = {
  UpdateMandate: updateMandateContract,
  GetMandates: getMandatesContract,
  UpdateCaseOverviewConsent: updateCaseOverviewConsentContract,
} as const satisfies Record<string, ContractDefinition>;

/** Posts one of the three operations as `role`; asserts HTTP 200 and a response valid against our XSDs. */
export async function call(t: TestApp, op: keyof typeof OPS, role: string, body: string): Promise<SoapReply> {
  const contract = OPS[op];
  const r = await t.post(role, endpointPath(contract), `${contract.namespace}:${op}`, body);
  assert.equal(r.status, 200, r.body);
  const failure = validateResponse(contract, r.body);
  assert.equal(failure, undefined, `response must validate: ${JSON.stringify(failure)}\n${r.body}`);
  return r;
}

/** Today's date in Sweden (the age rule's calendar), shifted by `days`, `years` years ago, as YYYYMMDD. */
function dateYearsAgo(years: number, days = 0): string {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date())
    .split('-')
    .map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y - years, m - 1, d + days));
  return `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCDate()).padStart(2, '0')}`;
}

/**
 * A personal identity number of someone born `years` years ago shifted by `days` (e.g. years 13, days 1: turns 13
 * tomorrow), with a serial so tests get distinct people. "Today" is the Swedish date, as in the age rule.
 */
export function personBorn(years: number, days: number, serial: number): string {
  return identityNumber(dateYearsAgo(years, days), serial);
}

/** The same, as a coordination number (day plus 60). */
export function coordinationBorn(years: number, days: number, serial: number): string {
  const d = dateYearsAgo(years, days);
  return identityNumber(d.slice(0, 6) + String(Number(d.slice(6)) + 60), serial);
}

export const PG_URL = process.env.TEST_DATABASE_URL;

/** The engines to run on: SQLite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const ENGINES: Engine[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * Environment for an app on `engine`: PostgreSQL in a new schema (dropped by `cleanup`), a shared keys file and
 * audit key, so a second app started with the same environment is another instance of one deployment.
 */
export async function hubEnv(engine: Engine, extra: Record<string, string> = {}): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-people-'));
  const env: Record<string, string> = {
    PRODUCER_DEMO_DATA: 'false',
    PRODUCER_KEYS_FILE: path.join(shared, 'keys.json'),
    PRODUCER_AUDIT_HMAC_KEY: randomBytes(32).toString('hex'),
    ...extra,
  };
  let schema: string | undefined;
  if (engine === 'postgres') {
    assert.ok(PG_URL, 'TEST_DATABASE_URL is required for PostgreSQL');
    schema = `t_people_${randomBytes(5).toString('hex')}`;
    const admin = new DataSource({ type: 'postgres', url: PG_URL, extra: { max: 1 } });
    await admin.initialize();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.destroy();
    const u = new URL(PG_URL);
    u.searchParams.set('options', `-c search_path=${schema}`);
    env.DATABASE_URL = u.toString();
  } else {
    env.PRODUCER_DATA_DIR = path.join(shared, 'data');
  }
  return {
    env,
    async cleanup() {
      if (schema && PG_URL) {
        const admin = new DataSource({ type: 'postgres', url: PG_URL, extra: { max: 1 } });
        await admin.initialize();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.destroy();
      }
      fs.rmSync(shared, { recursive: true, force: true });
    },
  };
}
