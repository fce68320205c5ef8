/**
 * GetDiagnosis, GetDecisionSupport and SearchPersonnel end to end: the whole application in-process
 * over real mutual TLS, raw SOAP envelopes built from the contract samples, and python zeep as an
 * independent strict client. Every response is checked against our own XSDs.
 */
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  getDecisionSupportContract,
  getDiagnosisContract,
  searchPersonnelContract,
} from '../contracts/index.js';
import type { ContractDefinition } from '../contracts/rivta.js';
import { endpointPath } from '../src/soap/service.js';
import { validateResponse } from '../src/soap/validator.js';
import { findProjectRoot } from '../src/project-root.js';
import { runPython, zeepAvailable, zeepPrelude } from './helpers/zeep.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';

const root = findProjectRoot();

function sample(contract: ContractDefinition): string {
  return fs.readFileSync(path.join(root, `schemas/interactions/${contract.name}Interaction/samples/${contract.name}Request.xml`), 'utf8');
}

/** The sample request with its body element's content replaced. */
function withBody(contract: ContractDefinition, inner: string): string {
  const op = contract.name;
  return sample(contract).replace(new RegExp(`<tjsr:${op}>[\\s\\S]*</tjsr:${op}>`), `<tjsr:${op}>${inner}</tjsr:${op}>`);
}

/** Text of every `<…:name>` element in the response. */
function texts(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${name}>`, 'g'))].map((m) => m[1]!);
}

function assertValid(contract: ContractDefinition, r: SoapReply): void {
  assert.equal(r.status, 200, r.body);
  const failure = validateResponse(contract, r.body);
  assert.equal(failure, undefined, `response must validate against our XSD: ${JSON.stringify(failure)}\n${r.body}`);
}

describe('FMB and personnel services end to end', () => {
  let t: TestApp;
  const call = (contract: ContractDefinition, envelope: string, role = 'journal-system') =>
    t.post(role, endpointPath(contract), contract.operations[0]!.soapAction, envelope);

  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
  });

  it('GetDiagnosis: the sample answers both codes, normalised, with a valid response', async () => {
    const r = await call(getDiagnosisContract, sample(getDiagnosisContract));
    assertValid(getDiagnosisContract, r);
    assert.deepEqual(texts(r.body, 'resultCode'), ['OK']);
    assert.deepEqual(texts(r.body, 'requestedCode').sort(), ['F32.1', 'J06.9']);
    assert.ok(texts(r.body, 'code').includes('F32'));
  });

  it('GetDiagnosis: unknown codes are listed, garbage is VALIDATION_ERROR, bad changedSince too', async () => {
    const unknown = await call(getDiagnosisContract, withBody(getDiagnosisContract, '<tjsr:diagnosisCode><core:code>Z99.9</core:code></tjsr:diagnosisCode>'));
    assertValid(getDiagnosisContract, unknown);
    assert.deepEqual(texts(unknown.body, 'unknownCode'), ['Z99.9']);
    assert.notEqual(texts(unknown.body, 'resultCode')[0], 'ERROR');

    const garbage = await call(getDiagnosisContract, withBody(getDiagnosisContract, '<tjsr:diagnosisCode><core:code>not a code</core:code></tjsr:diagnosisCode>'));
    assertValid(getDiagnosisContract, garbage);
    assert.deepEqual(texts(garbage.body, 'resultCode'), ['ERROR']);
    assert.deepEqual(texts(garbage.body, 'errorCode'), ['VALIDATION_ERROR']);
  });

  it('GetDecisionSupport: by code and by id, with recommendations, valid responses', async () => {
    const byCode = await call(getDecisionSupportContract, sample(getDecisionSupportContract));
    assertValid(getDecisionSupportContract, byCode);
    assert.deepEqual(texts(byCode.body, 'resultCode'), ['OK']);
    assert.ok(texts(byCode.body, 'id').includes('FMB-F32-1'));
    assert.match(byCode.body, /<(\w+:)?recommendation>/);
    assert.match(byCode.body, /<(\w+:)?extent>(FULL_TIME|PART_TIME)</);

    const byId = await call(getDecisionSupportContract, withBody(getDecisionSupportContract, '<tjsr:decisionSupportId>FMB-M54-1</tjsr:decisionSupportId>'));
    assertValid(getDecisionSupportContract, byId);
    assert.deepEqual(texts(byId.body, 'id'), ['FMB-M54-1']);

    const missing = await call(getDecisionSupportContract, withBody(getDecisionSupportContract, '<tjsr:decisionSupportId>NO-SUCH-ID</tjsr:decisionSupportId>'));
    assertValid(getDecisionSupportContract, missing);
    assert.doesNotMatch(missing.body, /<(\w+:)?decisionSupport>/);
  });

  it('an empty request lists everything: all diagnoses, all decision supports', async () => {
    const diagnoses = await call(getDiagnosisContract, withBody(getDiagnosisContract, ''));
    assertValid(getDiagnosisContract, diagnoses);
    assert.ok(texts(diagnoses.body, 'displayName').length >= 40, 'at least the 40 demo diagnoses');
    assert.deepEqual(texts(diagnoses.body, 'requestedCode'), [], 'no requestedCode when listing');

    const supports = await call(getDecisionSupportContract, withBody(getDecisionSupportContract, ''));
    assertValid(getDecisionSupportContract, supports);
    assert.ok(texts(supports.body, 'title').length >= 10);
    assert.deepEqual(texts(supports.body, 'resultCode'), ['OK']);
  });

  it('SearchPersonnel: the sample validates; fields follow the caller category', async () => {
    const sampleReply = await call(searchPersonnelContract, sample(searchPersonnelContract), 'supervisor');
    assertValid(searchPersonnelContract, sampleReply);

    const query = '<tjsr:familyName>A*</tjsr:familyName><tjsr:maxResults>20</tjsr:maxResults>';
    const supervisor = await call(searchPersonnelContract, withBody(searchPersonnelContract, query), 'supervisor');
    assertValid(searchPersonnelContract, supervisor);
    assert.deepEqual(texts(supervisor.body, 'resultCode'), ['OK']);
    assert.ok(texts(supervisor.body, 'personId').length > 0, 'hits');
    assert.ok(texts(supervisor.body, 'personalIdentityNumber').length > 0, 'supervisor sees identity numbers');

    const transport = await call(searchPersonnelContract, withBody(searchPersonnelContract, query), 'transport-authority');
    assertValid(searchPersonnelContract, transport);
    assert.deepEqual(texts(transport.body, 'personId'), texts(supervisor.body, 'personId'), 'same hits, same order');
    assert.doesNotMatch(transport.body, /<(\w+:)?(speciality|restriction|prescriptionRight|education)>/, 'identity and licence status only');

    const journal = await call(searchPersonnelContract, withBody(searchPersonnelContract, query), 'journal-system');
    assertValid(searchPersonnelContract, journal);
    assert.deepEqual(texts(journal.body, 'personId'), texts(supervisor.body, 'personId'));
  });

  it('SearchPersonnel: a routing node acts for the original consumer; a forged header from anyone else is ignored', async () => {
    const query = withBody(searchPersonnelContract, '<tjsr:familyName>B*</tjsr:familyName><tjsr:maxResults>30</tjsr:maxResults>');
    const path = endpointPath(searchPersonnelContract);
    const action = searchPersonnelContract.operations[0]!.soapAction;
    const onBehalf = (role: string, hsaId: string) => t.post(role, path, action, query, { 'x-rivta-original-serviceconsumer-hsaid': hsaId });
    // logId differs per call and a continuation token carries a fresh nonce; the rest must be identical.
    const strip = (xml: string) => xml.replace(/<((?:\w+:)?(?:logId|continuation))>[^<]*</g, '<$1><');
    const same = (a: string, b: string) => strip(a) === strip(b);

    const viaNode = await onBehalf('routing-node', 'SE5599999991-1003');
    assertValid(searchPersonnelContract, viaNode);
    const direct = await call(searchPersonnelContract, query, 'transport-authority');
    assert.ok(same(viaNode.body, direct.body), 'the transport authority profile applies');

    const forged = await onBehalf('journal-system', 'SE5599999991-1002');
    assertValid(searchPersonnelContract, forged);
    const own = await call(searchPersonnelContract, query, 'journal-system');
    assert.ok(same(forged.body, own.body), 'the peer itself, not the forged consumer');
    const supervisor = await call(searchPersonnelContract, query, 'supervisor');
    assert.ok(!same(own.body, supervisor.body), 'the two profiles differ on this query');

    const nodeForCaseView = await onBehalf('routing-node', 'SE5599999991-1006');
    assert.equal(nodeForCaseView.status, 500);
    assert.match(nodeForCaseView.body, /<faultstring>RP007 /, 'the original consumer is not in TAK');
  });

  it('SearchPersonnel: no criteria is VALIDATION_ERROR; a caller outside the TAK gets a fault', async () => {
    const none = await call(searchPersonnelContract, withBody(searchPersonnelContract, '<tjsr:maxResults>5</tjsr:maxResults>'), 'supervisor');
    assertValid(searchPersonnelContract, none);
    assert.deepEqual(texts(none.body, 'errorCode'), ['VALIDATION_ERROR']);

    const denied = await call(searchPersonnelContract, sample(searchPersonnelContract), 'case-view');
    assert.equal(denied.status, 500);
    assert.match(denied.body, /<faultstring>RP007 /);
  });

  it('zeep loads every WSDL by URL and calls each service with typed arguments', async (tc) => {
    if (!zeepAvailable()) {
      tc.skip('python3-zeep is not installed');
      return;
    }
    const url = (contract: ContractDefinition) => `https://localhost:${t.port}${endpointPath(contract)}?wsdl`;
    const script = `${zeepPrelude(t.certsDir)}out = {}
r = client("${url(getDiagnosisContract)}", "journal-system").service.GetDiagnosis(diagnosisCode=[{"code": "M54.5"}], _soapheaders=H)
out["diagnosis"] = [r.result.resultCode, r.diagnosis[0].code, r.diagnosis[0].requestedCode, r.versionInfo.version]
r = client("${url(getDecisionSupportContract)}", "journal-system").service.GetDecisionSupport(diagnosisCode=[{"code": "F32.1"}], _soapheaders=H)
rec = r.decisionSupport[0].recommendation[0]
out["support"] = [r.result.resultCode, r.decisionSupport[0].id, len(r.decisionSupport[0].recommendation) >= 1]
r = client("${url(searchPersonnelContract)}", "supervisor").service.SearchPersonnel(familyName="A*", maxResults=3, _soapheaders=H)
out["personnel"] = [r.result.resultCode, len(r.person), r.truncated, r.totalCount >= len(r.person)]
print(json.dumps(out))
`;
    const stdout = await runPython(script);
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown[]>;
    assert.deepEqual(out.diagnosis, ['OK', 'M54', 'M54.5', out.diagnosis![3]]);
    assert.match(String(out.diagnosis![3]), /^\d+$/);
    assert.deepEqual(out.support, ['OK', 'FMB-F32-1', true]);
    assert.deepEqual(out.personnel, ['OK', 3, true, true]);
  });
});
