import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildSnapshot } from '../src/insurancemedicine/fmb-store.js';
import { queryDecisionSupports, queryDiagnoses } from '../src/insurancemedicine/lookup.js';
import { ImportFormatError, parseImportFile } from '../src/insurancemedicine/import-format.js';
import { contentHash, type DecisionSupportRecord, type DiagnosisRecord } from '../src/insurancemedicine/model.js';
import { findProjectRoot } from '../src/project-root.js';

/** The configured cap on a repeated criterion (limits.maxCriteria); small here so the edge is cheap to reach. */
const CAP = 3;
const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-06-01T00:00:00.000Z';
const cur = (lastChanged = T0) => ({ version: 1, lastChanged, rowStatus: 'active' as const, isCurrent: true });

function diag(code: string, extra: Partial<DiagnosisRecord> = {}): DiagnosisRecord {
  return { code, displayName: `name ${code}`, status: 'active', validity: { from: '2024-01-01' }, ...cur(), ...extra };
}
function ds(id: string, codes: string[], extra: Partial<DecisionSupportRecord> = {}): DecisionSupportRecord {
  return {
    id,
    title: id,
    status: 'active',
    validity: { from: '2024-01-01' },
    diagnosisCodes: codes,
    recommendations: [{ sickLeaveDuration: { value: 2, unit: 'wk' }, sickLeaveDegree: { percent: 100, extent: 'FULL_TIME' } }],
    ...cur(),
    ...extra,
  };
}

const snapshot = buildSnapshot(
  { version: 7, lastChanged: T1 },
  [diag('F32'), diag('F43'), diag('F43.8A', { lastChanged: T1 }), diag('M54', { rowStatus: 'inactive', status: 'inactive' }), diag('J11', { rowStatus: 'archived', isCurrent: true })],
  [
    ds('DS-F32', ['F32', 'F32.1']),
    ds('DS-F32', ['F32'], { version: 0, rowStatus: 'archived', isCurrent: false }),
    ds('DS-F43', ['F43.8A'], { lastChanged: T1 }),
    ds('DS-OLD', ['M54'], { rowStatus: 'archived', status: 'archived' }),
  ],
);

describe('GetDiagnosis logic', () => {
  it('falls back to the nearest ancestor and reports both codes', () => {
    const r = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'f321' }], includeInactive: false });
    assert.equal(r.result.resultCode, 'OK');
    assert.equal(r.diagnoses.length, 1);
    assert.equal(r.diagnoses[0]!.record.code, 'F32');
    assert.equal(r.diagnoses[0]!.requestedCode, 'F32.1');
    assert.deepEqual(r.diagnoses[0]!.relatedDecisionSupportIds, ['DS-F32']);
    assert.deepEqual(r.versionInfo, { version: 7, lastChanged: T1 });
  });
  it('prefers an exact entry and walks two levels (F43.8B → F43)', () => {
    const r = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F43.8A' }, { code: 'F43.8B' }], includeInactive: false });
    assert.deepEqual(r.diagnoses.map((d) => [d.requestedCode, d.record.code]), [['F43.8A', 'F43.8A'], ['F43.8B', 'F43']]);
  });
  it('unknown valid code → INFO with unknownCode and message', () => {
    const r = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'X99.9' }, { code: 'F32' }], includeInactive: false });
    assert.equal(r.result.resultCode, 'INFO');
    assert.deepEqual(r.unknownCodes, ['X99.9']);
    assert.match(r.result.message ?? '', /^1 requested diagnosisCode/, 'says how many');
    assert.doesNotMatch(r.result.message ?? '', /X99/, 'the code is in unknownCode, not in the message');
    assert.equal(r.diagnoses.length, 1);
  });
  it('invalid code or foreign code system → ERROR VALIDATION_ERROR', () => {
    const bad = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F3.21' }, { code: 'F32' }], includeInactive: false });
    assert.equal(bad.result.resultCode, 'ERROR');
    assert.equal(bad.result.errorCode, 'VALIDATION_ERROR');
    assert.equal(bad.diagnoses.length, 0);
    const sys = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F32', codeSystem: '2.16.840.1.113883.6.90' }], includeInactive: false });
    assert.equal(sys.result.errorCode, 'VALIDATION_ERROR');
    const ok = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F32', codeSystem: '1.2.752.116.1.1.1.1.3' }], includeInactive: false });
    assert.equal(ok.result.resultCode, 'OK');
  });
  it('inactive only with includeInactive; archived never', () => {
    assert.deepEqual(queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'M54.5' }], includeInactive: false }).unknownCodes, ['M54.5']);
    const r = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'M54.5' }], includeInactive: true });
    assert.equal(r.diagnoses[0]!.status, 'inactive');
    const all = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [], includeInactive: true });
    assert.deepEqual(all.diagnoses.map((d) => d.record.code), ['F32', 'F43', 'F43.8A', 'M54']);
    assert.deepEqual(queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [], includeInactive: false }).diagnoses.map((d) => d.record.code), ['F32', 'F43', 'F43.8A']);
  });
  it('names the first invalid criterion by 1-based position, never its value', () => {
    const bad = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F32' }, { code: 'ZZ9999XX' }, { code: 'QQ1' }], includeInactive: false });
    assert.equal(bad.result.errorCode, 'VALIDATION_ERROR');
    assert.match(bad.result.message ?? '', /^diagnosisCode\[2\]\.code is not a valid ICD-10-SE code/);
    assert.doesNotMatch(bad.result.message ?? '', /ZZ9999XX|QQ1/);
    const sys = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F32', codeSystem: '9.9.424242' }], includeInactive: false });
    assert.match(sys.result.message ?? '', /^diagnosisCode\[1\]\.codeSystem /);
    assert.doesNotMatch(sys.result.message ?? '', /424242/);
  });
  it('caps the codes at maxCriteria and answers each code once, however it is spelled', () => {
    const atCap = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F32.1' }, { code: 'F32.2' }, { code: 'F32.3' }], includeInactive: false });
    assert.equal(atCap.result.resultCode, 'OK');
    assert.deepEqual(atCap.diagnoses.map((d) => [d.requestedCode, d.record.code]), [['F32.1', 'F32'], ['F32.2', 'F32'], ['F32.3', 'F32']]);
    // Occurrences count, not distinct codes: four spellings of one code are over a cap of three.
    const over = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'F32' }, { code: 'F32' }, { code: 'F32' }, { code: 'F32' }], includeInactive: false });
    assert.equal(over.result.errorCode, 'VALIDATION_ERROR');
    assert.equal(over.result.message, `diagnosisCode is repeated more than ${CAP} times; at most ${CAP} are accepted`);
    const dup = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [{ code: 'f321' }, { code: 'F32.1' }, { code: ' F321 ' }], includeInactive: false });
    assert.deepEqual(dup.diagnoses.map((d) => d.requestedCode), ['F32.1']);
  });
  it('changedSince filters by lastChanged (inclusive)', () => {
    const r = queryDiagnoses(snapshot, { maxCriteria: CAP, diagnosisCodes: [], includeInactive: false, changedSince: new Date(T1) });
    assert.deepEqual(r.diagnoses.map((d) => d.record.code), ['F43.8A']);
  });
});

describe('GetDecisionSupport logic', () => {
  it('all: only current active ones; includeArchived adds old versions and archived', () => {
    assert.deepEqual(queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [], includeArchived: false }).decisionSupports.map((d) => d.record.id), ['DS-F32', 'DS-F43']);
    const r = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [], includeArchived: true });
    assert.deepEqual(r.decisionSupports.map((d) => `${d.record.id}@${d.record.version}:${d.status}`), ['DS-F32@1:active', 'DS-F32@0:archived', 'DS-F43@1:active', 'DS-OLD@1:archived']);
  });
  it('by code with hierarchy fallback, deduplicated', () => {
    const r = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [{ code: 'F32.1' }, { code: 'F32.2' }], includeArchived: false });
    assert.equal(r.decisionSupports.length, 1);
    assert.deepEqual(r.decisionSupports[0]!.requestedCodes, ['F32.1', 'F32.2']);
  });
  it('by id; unknown id → INFO', () => {
    const r = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: ['DS-F43', 'NOPE'], diagnosisCodes: [], includeArchived: false });
    assert.equal(r.result.resultCode, 'INFO');
    assert.deepEqual(r.unknownIds, ['NOPE']);
    assert.equal(r.decisionSupports.length, 1);
  });
  it('ids and codes together → VALIDATION_ERROR; invalid code → VALIDATION_ERROR', () => {
    assert.equal(queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: ['DS-F43'], diagnosisCodes: [{ code: 'F32' }], includeArchived: false }).result.errorCode, 'VALIDATION_ERROR');
    assert.equal(queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [{ code: 'nonsense' }], includeArchived: false }).result.errorCode, 'VALIDATION_ERROR');
  });
  it('caps ids and codes at maxCriteria; an id or code sent twice is answered once; messages count, never quote', () => {
    const ids = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: ['DS-F43', ' DS-F43 ', 'NOPE-MARKER'], diagnosisCodes: [], includeArchived: false });
    assert.deepEqual(ids.decisionSupports.map((d) => d.record.id), ['DS-F43']);
    assert.deepEqual(ids.unknownIds, ['NOPE-MARKER']);
    assert.equal(ids.result.message, '1 requested decisionSupportId(s) are unknown.');
    const tooMany = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: ['A', 'B', 'C', 'D'], diagnosisCodes: [], includeArchived: false });
    assert.equal(tooMany.result.errorCode, 'VALIDATION_ERROR');
    assert.match(tooMany.result.message ?? '', /^decisionSupportId is repeated more than 3 times/);
    const codes = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [{ code: 'F32.1' }, { code: 'f321' }, { code: 'Y98.7' }], includeArchived: false });
    assert.deepEqual(codes.decisionSupports[0]!.requestedCodes, ['F32.1']);
    assert.doesNotMatch(codes.result.message ?? '', /Y98/);
    const over = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [{ code: 'F32' }, { code: 'F32' }, { code: 'F32' }, { code: 'F32' }], includeArchived: false });
    assert.equal(over.result.errorCode, 'VALIDATION_ERROR');
  });
  it('unknown valid code → INFO with unknownCode', () => {
    const r = queryDecisionSupports(snapshot, { maxCriteria: CAP, decisionSupportIds: [], diagnosisCodes: [{ code: 'M54' }], includeArchived: false });
    assert.equal(r.result.resultCode, 'INFO');
    assert.deepEqual(r.unknownCodes, ['M54']);
  });
});

describe('FMB import format', () => {
  const demo = JSON.parse(fs.readFileSync(path.join(findProjectRoot(), 'src/insurancemedicine/demo/fmb-demo.json'), 'utf8'));
  it('the demo file parses, is labelled synthetic, and covers ≥ 40 codes including the required ones', () => {
    const f = parseImportFile(demo);
    assert.match(f.notice ?? '', /SYNTHETIC DEMO CONTENT - NOT MEDICAL ADVICE/);
    const codes = new Set(f.decisionSupports.flatMap((d) => d.diagnosisCodes));
    assert.ok(codes.size >= 40, `${codes.size} codes`);
    assert.ok(f.diagnoses.length >= 40);
    for (const c of ['F32', 'F43', 'M54', 'M75', 'S82', 'J06', 'J11', 'G43']) {
      assert.ok(codes.has(c), c);
      assert.ok(f.diagnoses.some((d) => d.code === c), c);
    }
    assert.ok(f.decisionSupports.some((d) => d.recommendations.length > 1));
  });
  it('normalises codes, and the content hash ignores key order', () => {
    const a = parseImportFile({ format: 'fmb-import/1', diagnoses: [{ code: 'f321', displayName: 'x', validity: { from: '2024-01-01' } }] });
    assert.equal(a.diagnoses[0]!.code, 'F32.1');
    const b = parseImportFile({ diagnoses: [{ validity: { from: '2024-01-01' }, displayName: 'x', code: 'F32.1', status: 'active' }], format: 'fmb-import/1' });
    assert.equal(contentHash(a.diagnoses[0]!), contentHash(b.diagnoses[0]!));
  });
  it('reports every problem with its path', () => {
    try {
      parseImportFile({
        format: 'fmb-import/1',
        diagnoses: [{ code: 'bad', displayName: '', validity: { from: '2024-13-01' } }],
        decisionSupports: [{ id: 'X', title: 't', validity: { from: '2024-01-01' }, diagnosisCodes: [], recommendations: [{ sickLeaveDuration: { value: 2, unit: 'h' } }] }],
      });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ImportFormatError);
      const text = err.problems.join('\n');
      for (const p of ['$.diagnoses[0].code', '$.diagnoses[0].displayName', '$.diagnoses[0].validity.from', '$.decisionSupports[0].diagnosisCodes', 'sickLeaveDuration.unit']) {
        assert.ok(text.includes(p), `${p} in\n${text}`);
      }
    }
  });
});
