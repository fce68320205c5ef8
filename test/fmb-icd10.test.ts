import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { icd10Ancestors, icd10LookupChain, isAcceptedIcd10CodeSystem, normaliseIcd10 } from '../src/insurancemedicine/icd10.js';

describe('ICD-10-SE normalisation', () => {
  it('normalises case, dots and whitespace', () => {
    for (const s of ['F32.1', 'F321', 'f32.1', ' f321 ', 'f321', '\tF32.1\n']) assert.equal(normaliseIcd10(s), 'F32.1', s);
    assert.equal(normaliseIcd10('f32'), 'F32');
    assert.equal(normaliseIcd10('f438a'), 'F43.8A');
    assert.equal(normaliseIcd10('F43.8A'), 'F43.8A');
    assert.equal(normaliseIcd10('S8201'), 'S82.01');
    assert.equal(normaliseIcd10('u071'), 'U07.1');
  });
  it('rejects invalid syntax', () => {
    for (const s of ['', 'F', 'F3', '32.1', 'FF2.1', 'F3.21', 'F32.', 'F32..1', 'F32.A', 'F32 1', 'F32.12345', 'G63.2*', 'F32-1', 'Ö32', 'F32.1.1', '123']) {
      assert.equal(normaliseIcd10(s), undefined, JSON.stringify(s));
    }
  });
  it('computes ancestors nearest first', () => {
    assert.deepEqual(icd10Ancestors('F32'), []);
    assert.deepEqual(icd10Ancestors('F32.1'), ['F32']);
    assert.deepEqual(icd10Ancestors('F43.8A'), ['F43.8', 'F43']);
    assert.deepEqual(icd10Ancestors('S82.011'), ['S82.01', 'S82.0', 'S82']);
    assert.deepEqual(icd10LookupChain('F32.1'), ['F32.1', 'F32']);
  });
  it('accepts the two ICD-10-SE OIDs or none', () => {
    assert.equal(isAcceptedIcd10CodeSystem(undefined), true);
    assert.equal(isAcceptedIcd10CodeSystem('1.2.752.116.1.1.1.3.2'), true);
    assert.equal(isAcceptedIcd10CodeSystem('1.2.752.116.1.1.1.1.3'), true);
    assert.equal(isAcceptedIcd10CodeSystem('2.16.840.1.113883.6.3'), false);
    assert.equal(isAcceptedIcd10CodeSystem(''), false);
  });
});
