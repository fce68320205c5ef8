/**
 * responses.ts builds each diagnosis / decision-support element once per snapshot record and request
 * variant, frozen with immutable() so the codec can keep its XML: the same answer gives the same
 * object, a different variant a different object with its own fields, and the XML is what an
 * unmemoised build would give.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toDecisionSupport, toDiagnosis, toGetDiagnosisResponse } from '../src/insurancemedicine/responses.js';
import { buildSnapshot } from '../src/insurancemedicine/fmb-store.js';
import { queryDiagnoses } from '../src/insurancemedicine/lookup.js';
import { ICD10_SE_OID } from '../src/insurancemedicine/icd10.js';
import type { DecisionSupportRecord, DiagnosisRecord } from '../src/insurancemedicine/model.js';
import { ContractCodec } from '../src/soap/codec.js';
import { getDiagnosisContract } from '../contracts/processmanagement/decisionsupport/insurancemedicine/GetDiagnosisInteraction.js';

const T0 = '2025-01-01T00:00:00.000Z';

function diagnosisRecord(extra: Partial<DiagnosisRecord> = {}): DiagnosisRecord {
  return {
    code: 'F32',
    displayName: 'Depressiv episod',
    status: 'active',
    validity: { from: '2024-01-01' },
    functionalImpairment: { text: 'Nedsatt ork', icfCodes: [{ code: 'b130', codeSystem: '1.2.752.116.1.1.3' }] },
    generalInformation: 'Allmänt',
    version: 2,
    lastChanged: T0,
    rowStatus: 'active',
    isCurrent: true,
    ...extra,
  };
}

function decisionSupportRecord(extra: Partial<DecisionSupportRecord> = {}): DecisionSupportRecord {
  return {
    id: 'DS-1',
    title: 'Depression',
    status: 'active',
    validity: { from: '2024-01-01', to: '2030-12-31' },
    diagnosisCodes: ['F32', 'F32.1'],
    recommendations: [{ sickLeaveDuration: { value: 6, unit: 'wk', min: 4, max: 12 }, sickLeaveDegree: { percent: 100, extent: 'FULL_TIME' }, text: 'x' }],
    version: 1,
    lastChanged: T0,
    rowStatus: 'active',
    isCurrent: true,
    ...extra,
  };
}

function deepFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  return Object.isFrozen(v) && Object.values(v).every(deepFrozen);
}

describe('FMB response elements are built once per record and variant', () => {
  it('toDiagnosis: the same answer gives the same frozen object', () => {
    const record = diagnosisRecord();
    const a = toDiagnosis({ record, requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    const b = toDiagnosis({ record, requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    assert.equal(b, a);
    assert.ok(deepFrozen(a));
    assert.deepEqual(a, {
      code: 'F32',
      requestedCode: 'F32.1',
      displayName: 'Depressiv episod',
      status: 'active',
      validity: { from: '2024-01-01' },
      version: 2,
      lastChanged: T0,
      functionalImpairment: { text: 'Nedsatt ork', icfCode: [{ code: 'b130', codeSystem: '1.2.752.116.1.1.3' }] },
      generalInformation: 'Allmänt',
      relatedDecisionSupportId: ['DS-1'],
    });
    assert.equal(Object.isFrozen(record), false, 'the snapshot record itself is not frozen by building from it');
  });

  it('toDiagnosis: another requestedCode, status or related-id list gives another object with those fields', () => {
    const record = diagnosisRecord();
    const base = toDiagnosis({ record, requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    const otherCode = toDiagnosis({ record, requestedCode: 'F32.2', status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    const noCode = toDiagnosis({ record, status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    const inactive = toDiagnosis({ record, requestedCode: 'F32.1', status: 'inactive', relatedDecisionSupportIds: ['DS-1'] });
    const noRelated = toDiagnosis({ record, requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: [] });
    const moreRelated = toDiagnosis({ record, requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: ['DS-1', 'DS-2'] });
    const all = [base, otherCode, noCode, inactive, noRelated, moreRelated];
    assert.equal(new Set(all).size, all.length, 'six variants, six objects');
    assert.equal(otherCode.requestedCode, 'F32.2');
    assert.equal('requestedCode' in noCode, false);
    assert.equal(inactive.status, 'inactive');
    assert.equal(inactive.requestedCode, 'F32.1');
    assert.equal('relatedDecisionSupportId' in noRelated, false);
    assert.deepEqual(moreRelated.relatedDecisionSupportId, ['DS-1', 'DS-2']);
    for (const d of all) assert.ok(deepFrozen(d));
    // and each variant is itself memoised
    assert.equal(toDiagnosis({ record, requestedCode: 'F32.2', status: 'active', relatedDecisionSupportIds: ['DS-1'] }), otherCode);
    assert.equal(toDiagnosis({ record, status: 'active', relatedDecisionSupportIds: ['DS-1'] }), noCode);
    // a structurally equal but new record (a rebuilt snapshot) gets a new element
    const rebuilt = toDiagnosis({ record: diagnosisRecord(), requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    assert.notEqual(rebuilt, base);
    assert.deepEqual(rebuilt, base);
    // a record with other content never gets another record's element
    const renamed = toDiagnosis({ record: diagnosisRecord({ displayName: 'Ny' }), requestedCode: 'F32.1', status: 'active', relatedDecisionSupportIds: ['DS-1'] });
    assert.equal(renamed.displayName, 'Ny');
  });

  it('toDecisionSupport: memoised per status and requested codes', () => {
    const record = decisionSupportRecord();
    const a = toDecisionSupport({ record, status: 'active', requestedCodes: ['F32.1'] });
    assert.equal(toDecisionSupport({ record, status: 'active', requestedCodes: ['F32.1'] }), a);
    assert.ok(deepFrozen(a));
    assert.deepEqual(a, {
      id: 'DS-1',
      version: 1,
      status: 'active',
      validity: { from: '2024-01-01', to: '2030-12-31' },
      lastChanged: T0,
      title: 'Depression',
      diagnosisCode: [
        { code: 'F32', codeSystem: ICD10_SE_OID },
        { code: 'F32.1', codeSystem: ICD10_SE_OID },
      ],
      requestedCode: ['F32.1'],
      recommendation: [{ sickLeaveDuration: { value: 6, unit: 'wk', min: 4, max: 12 }, sickLeaveDegree: { percent: 100, extent: 'FULL_TIME' }, text: 'x' }],
    });
    const byId = toDecisionSupport({ record, status: 'active', requestedCodes: [] });
    const two = toDecisionSupport({ record, status: 'active', requestedCodes: ['F32', 'F32.1'] });
    const archived = toDecisionSupport({ record, status: 'archived', requestedCodes: ['F32.1'] });
    assert.equal(new Set([a, byId, two, archived]).size, 4);
    assert.equal('requestedCode' in byId, false);
    assert.deepEqual(two.requestedCode, ['F32', 'F32.1']);
    assert.equal(archived.status, 'archived');
    assert.deepEqual(archived.requestedCode, ['F32.1']);
    assert.equal(Object.isFrozen(record.recommendations[0]!.sickLeaveDuration), false, 'record parts are copied, not frozen in place');
  });

  it('the memoised elements encode to the same XML as freshly built plain ones', () => {
    const snapshot = buildSnapshot(
      { version: 2, lastChanged: T0 },
      [diagnosisRecord()],
      [decisionSupportRecord({ diagnosisCodes: ['F32.1'] })],
    );
    const result = queryDiagnoses(snapshot, { maxCriteria: 100, diagnosisCodes: [{ code: 'F32.1' }, { code: 'F32' }], includeInactive: false });
    const response = toGetDiagnosisResponse(result, 'log-1');
    assert.deepEqual(
      response.diagnosis?.map((d) => [d.requestedCode, d.code, d.relatedDecisionSupportId]),
      [
        ['F32.1', 'F32', ['DS-1']],
        ['F32', 'F32', ['DS-1']],
      ],
    );
    assert.equal(toGetDiagnosisResponse(result, 'log-2').diagnosis?.[0], response.diagnosis?.[0], 'same element object for the next request');
    const op = getDiagnosisContract.operations[0]!;
    const codec = new ContractCodec(getDiagnosisContract);
    const encode = (c: ContractCodec, v: unknown) => c.encodeElement(op.response.element, op.response.type, v);
    const first = encode(codec, response);
    assert.equal(encode(codec, toGetDiagnosisResponse(result, 'log-1')), first);
    assert.equal(encode(new ContractCodec(getDiagnosisContract), structuredClone(response)), first);
    assert.match(first, /<ns2:requestedCode>F32\.1<\/ns2:requestedCode>/);
  });
  it('keeps at most 16 variants per record: requested codes chosen by callers cannot grow the memo', () => {
    const record = diagnosisRecord();
    const ask = (n: number) => toDiagnosis({ record, requestedCode: `F32.${n}`, status: 'active', relatedDecisionSupportIds: [] });
    const kept = Array.from({ length: 16 }, (_, n) => ask(n));
    kept.forEach((d, n) => assert.equal(ask(n), d, `variant ${n} is kept`));
    const extra = ask(99);
    assert.equal(extra.requestedCode, 'F32.99');
    assert.notEqual(ask(99), extra, 'a 17th variant is built for each response');
    assert.equal(Object.isFrozen(extra), false);
  });
});
