/**
 * Repeated criteria and echoed values, end to end at the default limits (README, "Bounded repetition"
 * and "No echo"): the whole application over real mutual TLS, every response checked against our XSDs,
 * and every log line the application writes captured.
 *  - Thousands of repeated criteria get a small VALIDATION_ERROR, and the producer keeps serving.
 *  - Per operation: the cap is accepted, cap + 1 is VALIDATION_ERROR, a criterion sent twice is answered once.
 *  - Marker values in the request never come back in `result.message` and never reach a log line.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  getCaseOverviewV1Contract,
  getDecisionSupportContract,
  getDiagnosisContract,
  pushCaseStatusV1Contract,
  searchPersonnelContract,
} from '../contracts/index.js';
import type { ContractDefinition } from '../contracts/rivta.js';
import { endpointPath } from '../src/soap/service.js';
import { validateResponse } from '../src/soap/validator.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';
import { giveConsent } from './helpers/consent.js';
import { OVERVIEW_ACTION, identityNumber, overviewEnvelope, pathOf, pushEnvelope, texts } from './helpers/case-envelopes.js';

const FMB_CORE = 'urn:riv:processmanagement:decisionsupport:insurancemedicine:1';

function envelope(contract: ContractDefinition, inner: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1"` +
    ` xmlns:tjsr="${contract.namespace}" xmlns:core="${FMB_CORE}">` +
    `<soapenv:Header><itr:LogicalAddress>TEST-PRODUCER</itr:LogicalAddress></soapenv:Header>` +
    `<soapenv:Body><tjsr:${contract.name}>${inner}</tjsr:${contract.name}></soapenv:Body></soapenv:Envelope>`
  );
}

const code = (c: string, system?: string) =>
  `<tjsr:diagnosisCode><core:code>${c}</core:code>${system ? `<core:codeSystem>${system}</core:codeSystem>` : ''}</tjsr:diagnosisCode>`;
const codes = (list: readonly string[]) => list.map((c) => code(c)).join('');
const repeat = (n: number, xml: string) => xml.repeat(n);

/** `n` distinct valid ICD-10-SE codes under F32 (F32.0, F32.00, F32.0A, …): each falls back to an F32 entry. */
function distinctF32Codes(n: number): string[] {
  const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const out: string[] = [];
  for (const d of '0123456789') {
    out.push(`F32.${d}`);
    for (const a of chars) {
      out.push(`F32.${d}${a}`);
      for (const b of chars) out.push(`F32.${d}${a}${b}`);
    }
  }
  assert.ok(out.length >= n);
  return out.slice(0, n);
}

/** A 12-digit number of the right shape whose check digit is wrong. */
function wrongCheckDigit(yyyymmdd: string, serial: number): string {
  const valid = identityNumber(yyyymmdd, serial);
  return valid.slice(0, 11) + String((Number(valid[11]) + 1) % 10);
}

/** Everything but the per-call logId. */
const withoutLogId = (xml: string) => xml.replace(/<((?:\w+:)?logId)>[^<]*</g, '<$1><');

describe('repeated criteria and echoed values, end to end', () => {
  let t: TestApp;
  let cap: number;
  const logLines: string[] = [];

  const call = async (contract: ContractDefinition, body: string, role = 'journal-system'): Promise<SoapReply> => {
    const r = await t.post(role, endpointPath(contract), contract.operations[0]!.soapAction, body);
    assert.equal(r.status, 200, r.body.slice(0, 2000));
    const failure = validateResponse(contract, r.body);
    assert.equal(failure, undefined, `response must validate: ${JSON.stringify(failure)}`);
    return r;
  };
  const result = (r: SoapReply) => ({ resultCode: texts(r.body, 'resultCode')[0], errorCode: texts(r.body, 'errorCode')[0], message: texts(r.body, 'message')[0] ?? '' });
  const assertTooMany = (r: SoapReply, element: string) => {
    const res = result(r);
    assert.deepEqual([res.resultCode, res.errorCode], ['ERROR', 'VALIDATION_ERROR'], res.message);
    assert.ok(res.message.includes(element) && res.message.includes(String(cap)), `the message names ${element} and the cap: ${res.message}`);
  };

  before(async () => {
    t = await startTestApp({ PRODUCER_LOG_LEVEL: 'debug' }, { logDestination: { write: (line: string) => void logLines.push(line) } });
    cap = t.config.limits.maxCriteria;
    assert.equal(cap, 100, 'the default cap');
  });
  after(async () => {
    await t?.close();
  });

  it('thousands of repeated codes: a small VALIDATION_ERROR, and the producer keeps serving', async () => {
    const n = 5000;
    // Distinct codes that all fall back to F32 would each get their own entry: megabytes without the cap.
    for (const body of [codes(distinctF32Codes(n)), repeat(n, code('F32.1'))]) {
      const r = await call(getDiagnosisContract, envelope(getDiagnosisContract, body));
      assertTooMany(r, 'diagnosisCode');
      assert.ok(r.body.length < 4096, `a small answer, not one per code: ${r.body.length} bytes`);
    }
    const ids = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, repeat(n, '<tjsr:decisionSupportId>FMB-F32-1</tjsr:decisionSupportId>')));
    assertTooMany(ids, 'decisionSupportId');
    assert.ok(ids.body.length < 4096);

    const after = await call(getDiagnosisContract, envelope(getDiagnosisContract, code('F32.1')));
    assert.equal(result(after).resultCode, 'OK');
    assert.deepEqual(texts(after.body, 'requestedCode'), ['F32.1']);
  });

  it('GetDiagnosis: the cap is answered, one more is VALIDATION_ERROR; a code sent twice is answered once', async () => {
    const list = distinctF32Codes(cap + 1);
    const atCap = await call(getDiagnosisContract, envelope(getDiagnosisContract, codes(list.slice(0, cap))));
    assert.notEqual(result(atCap).resultCode, 'ERROR', result(atCap).message);
    assert.equal(texts(atCap.body, 'requestedCode').length + texts(atCap.body, 'unknownCode').length, cap, 'one answer per distinct code');
    assertTooMany(await call(getDiagnosisContract, envelope(getDiagnosisContract, codes(list))), 'diagnosisCode');

    // f321, F32.1 and F321 are one code; F32.2 falls back to the same entry and gets its own.
    const dup = await call(getDiagnosisContract, envelope(getDiagnosisContract, codes(['f321', 'F32.1', 'F321', 'F32.2', 'F32.1'])));
    assert.equal(result(dup).resultCode, 'OK');
    assert.deepEqual(texts(dup.body, 'requestedCode'), ['F32.1', 'F32.2']);
    // cap occurrences that are all one code: within the cap, answered once
    const same = await call(getDiagnosisContract, envelope(getDiagnosisContract, repeat(cap, code('F32.1'))));
    assert.deepEqual(texts(same.body, 'requestedCode'), ['F32.1']);
  });

  it('GetDecisionSupport: ids and codes are capped; duplicates answered once', async () => {
    const ids = (n: number) => repeat(n, '<tjsr:decisionSupportId>FMB-F32-1</tjsr:decisionSupportId>');
    const atCap = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, ids(cap)));
    assert.equal(result(atCap).resultCode, 'OK');
    assert.deepEqual(texts(atCap.body, 'id'), ['FMB-F32-1']);
    assertTooMany(await call(getDecisionSupportContract, envelope(getDecisionSupportContract, ids(cap + 1))), 'decisionSupportId');

    const list = distinctF32Codes(cap + 1);
    const codesAtCap = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, codes(list.slice(0, cap))));
    assert.notEqual(result(codesAtCap).resultCode, 'ERROR', result(codesAtCap).message);
    assertTooMany(await call(getDecisionSupportContract, envelope(getDecisionSupportContract, codes(list))), 'diagnosisCode');

    const dup = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, codes(['F32.1', 'f321', 'F321'])));
    assert.equal(result(dup).resultCode, 'OK');
    assert.deepEqual(texts(dup.body, 'requestedCode'), ['F32.1']);
  });

  it('SearchPersonnel: professionCode is capped; a code sent twice is the same search', async () => {
    const search = (professions: number) =>
      call(searchPersonnelContract, envelope(searchPersonnelContract, `<tjsr:familyName>Andersson</tjsr:familyName>${repeat(professions, '<tjsr:professionCode>LK</tjsr:professionCode>')}`), 'supervisor');
    const once = await search(1);
    assert.equal(result(once).resultCode, 'OK');
    assert.ok(texts(once.body, 'personId').length > 0, 'the fixture has hits');
    const atCap = await search(cap);
    assert.equal(withoutLogId(atCap.body), withoutLogId(once.body));
    assertTooMany(await search(cap + 1), 'professionCode');
  });

  it('GetCaseOverview: status is capped; a status sent twice is the same filter', async () => {
    const subject = identityNumber('19790314', 417);
    await giveConsent(t.db, t.config.keysFile, subject); // consent is required by default
    const pushed = await call(pushCaseStatusV1Contract, pushEnvelope({ caseId: 'cap-1', subject, caseUpdated: new Date(Date.now() - 60_000).toISOString() }), 'case-system');
    assert.equal(result(pushed).resultCode, 'OK', result(pushed).message);
    assert.deepEqual(texts(pushed.body, 'outcome'), ['CREATED']);
    const read = (statuses: string[]) => t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject, status: statuses }));
    const once = await read(['RECEIVED']);
    assert.deepEqual(texts(once.body, 'caseId'), ['cap-1']);
    const atCap = await read(Array.from({ length: cap }, (_, i) => (i % 2 ? 'RECEIVED' : 'CLOSED')));
    assert.deepEqual(texts(atCap.body, 'caseId'), ['cap-1']);
    assert.equal(validateResponse(getCaseOverviewV1Contract, atCap.body), undefined);
    assertTooMany(await read(Array.from({ length: cap + 1 }, () => 'RECEIVED')), 'status');
  });

  it('no echo: marker values never appear in result.message or in a log line', async () => {
    const markers: string[] = [];
    const mark = <T extends string>(v: T): T => (markers.push(v), v);
    const messages: string[] = [];
    const seen = (r: SoapReply) => {
      const m = result(r).message;
      messages.push(m);
      return m;
    };

    // GetDiagnosis: the first invalid code is named by position; unknown codes are counted.
    const bad = await call(getDiagnosisContract, envelope(getDiagnosisContract, codes(['F32', mark('ZZ9999XX'), mark('QQ1234YY')])));
    assert.equal(result(bad).errorCode, 'VALIDATION_ERROR');
    assert.match(seen(bad), /diagnosisCode\[2\]/);
    const badSystem = await call(getDiagnosisContract, envelope(getDiagnosisContract, code('F32') + code('F43', mark('9.8.7.6.424242'))));
    assert.equal(result(badSystem).errorCode, 'VALIDATION_ERROR');
    assert.match(seen(badSystem), /diagnosisCode\[2\]\.codeSystem/);
    const unknown = await call(getDiagnosisContract, envelope(getDiagnosisContract, codes(['F32', mark('Y98.7'), mark('Y97.6')])));
    assert.equal(result(unknown).resultCode, 'INFO');
    assert.deepEqual(texts(unknown.body, 'unknownCode'), ['Y98.7', 'Y97.6'], 'unknownCode is data and stays');
    assert.match(seen(unknown), /\b2\b/, 'the message says how many');

    // GetDecisionSupport: unknown ids and codes, an invalid code.
    const ds = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, `<tjsr:decisionSupportId>${mark('MARKER-ID-7731')}</tjsr:decisionSupportId>`));
    assert.equal(result(ds).resultCode, 'INFO');
    seen(ds);
    const dsCode = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, codes([mark('Y96.5')])));
    seen(dsCode);
    const dsBad = await call(getDecisionSupportContract, envelope(getDecisionSupportContract, codes([mark('XQ99999Z')])));
    assert.match(seen(dsBad), /diagnosisCode\[1\]/);

    // SearchPersonnel: a number with a wrong check digit, a bad name, a clamped maxResults.
    for (const inner of [
      `<tjsr:personalIdentityNumber>${mark(wrongCheckDigit('19750101', 990))}</tjsr:personalIdentityNumber>`,
      `<tjsr:coordinationNumber>${mark(wrongCheckDigit('19750161', 991))}</tjsr:coordinationNumber>`,
      `<tjsr:familyName>${mark('Qzmarker*x')}</tjsr:familyName>`,
      `<tjsr:familyName>Andersson</tjsr:familyName><tjsr:maxResults>${mark('1987654321')}</tjsr:maxResults>`,
      `<tjsr:specialityCode>${mark('SPEC@MARK')}</tjsr:specialityCode>`,
    ]) {
      const r = await call(searchPersonnelContract, envelope(searchPersonnelContract, inner), 'supervisor');
      assert.notEqual(result(r).resultCode, 'OK');
      seen(r);
    }

    // The case hub: an invalid subject, an http link.
    const subject = mark(wrongCheckDigit('19800101', 999));
    const push = await call(pushCaseStatusV1Contract, pushEnvelope({ caseId: 'echo-1', subject, caseUpdated: new Date().toISOString() }), 'case-system');
    assert.equal(result(push).errorCode, 'VALIDATION_ERROR');
    seen(push);
    const link = await call(
      pushCaseStatusV1Contract,
      pushEnvelope({ caseId: 'echo-2', subject: identityNumber('19800101', 5), caseUpdated: new Date().toISOString(), caseLink: mark('http://marker-host.example/case') }),
      'case-system',
    );
    assert.equal(result(link).errorCode, 'VALIDATION_ERROR');
    seen(link);
    // A present but defective signature (case-system's policy is optional): the reason names the rule, not the attribute value.
    const dsig = 'http://www.w3.org/2000/09/xmldsig#';
    const signature =
      `<ds:Signature xmlns:ds="${dsig}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${mark('urn:marker:c14n-4242')}"/>` +
      `<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#cs1">` +
      `<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference>` +
      `</ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>`;
    const signedPush = pushEnvelope({ caseId: 'echo-3', subject: identityNumber('19800101', 6), caseUpdated: new Date().toISOString(), id: 'cs1' }).replace(
      '</tjsr:caseStatus>',
      `${signature}</tjsr:caseStatus>`,
    );
    const defective = await call(pushCaseStatusV1Contract, signedPush, 'case-system');
    assert.equal(result(defective).errorCode, 'ACCESS_DENIED');
    assert.match(seen(defective), /CanonicalizationMethod Algorithm must be/);
    const overview = await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: mark(wrongCheckDigit('19800202', 999)) }));
    assert.equal(result(overview).errorCode, 'VALIDATION_ERROR');
    seen(overview);

    assert.ok(messages.every((m) => m.length > 0), 'every answer carried a message');
    for (const marker of markers) {
      for (const m of messages) assert.ok(!m.includes(marker), `result.message repeats ${marker}: ${m}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(logLines.length > 0, 'log lines were captured');
    const log = logLines.join('');
    for (const marker of markers) assert.ok(!log.includes(marker), `a log line repeats ${marker}`);
  });
});
