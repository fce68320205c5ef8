/**
 * immutable() and the codec's memo of immutable values (src/soap/codec.ts): the memo must never change
 * what is written — same XML as encoding an equal plain object, per tag, never with namespace
 * declarations baked in — and plain (mutable) values are never memoised.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContractCodec, immutable } from '../src/soap/codec.js';
import { parseXml } from '../src/soap/xml.js';
import { getDiagnosisContract } from '../contracts/processmanagement/decisionsupport/insurancemedicine/GetDiagnosisInteraction.js';
import { echoContract } from './fixtures/echo-contract.js';

const LIMITS = { maxDepth: 64, maxElements: 10000, maxAttributeBytes: 8192, maxNsPerElement: 32, maxNsPerDocument: 256 };
const OP = getDiagnosisContract.operations[0]!;
const CORE = 'urn:riv:processmanagement:decisionsupport:insurancemedicine:1';

function diagnosis(displayName = 'Depressiv episod') {
  return {
    code: 'F32',
    requestedCode: 'F32.1',
    displayName,
    status: 'active',
    validity: { from: '2024-01-01' },
    version: 3,
    lastChanged: '2025-01-01T00:00:00Z',
    functionalImpairment: { text: 'Nedsatt <koncentration> & ork', icfCode: [{ code: 'b140', codeSystem: '1.2.752.116.1.1.3' }] },
    relatedDecisionSupportId: ['FMB-F32-1', 'FMB-F32-2'],
  };
}

function response(diagnoses: unknown[]) {
  return {
    diagnosis: diagnoses,
    versionInfo: { lastChanged: '2025-01-01T00:00:00Z', version: '3' },
    result: { resultCode: 'OK', logId: '6f1c1d7e-5d53-4a43-8b0e-2b1b2f9e0a11' },
  };
}

const encodeResponse = (codec: ContractCodec, value: unknown) => codec.encodeElement(OP.response.element, OP.response.type, value);

describe('immutable()', () => {
  it('returns the same object, deep-frozen: nested objects and arrays included', () => {
    const value = diagnosis();
    const out = immutable(value);
    assert.equal(out, value);
    assert.ok(Object.isFrozen(value));
    assert.ok(Object.isFrozen(value.validity));
    assert.ok(Object.isFrozen(value.functionalImpairment));
    assert.ok(Object.isFrozen(value.functionalImpairment.icfCode));
    assert.ok(Object.isFrozen(value.functionalImpairment.icfCode[0]));
    assert.ok(Object.isFrozen(value.relatedDecisionSupportId));
    // ES modules are strict: writes throw instead of being ignored
    assert.throws(() => {
      (value as { displayName: string }).displayName = 'x';
    }, TypeError);
    assert.throws(() => {
      (value.validity as { from: string }).from = '1999-01-01';
    }, TypeError);
    assert.throws(() => {
      (value.functionalImpairment.icfCode[0] as { code: string }).code = 'b999';
    }, TypeError);
    assert.throws(() => value.relatedDecisionSupportId.push('FMB-X'), TypeError);
    assert.throws(() => {
      (value as Record<string, unknown>).added = 1;
    }, TypeError);
    assert.deepEqual(value, diagnosis(), 'nothing changed');
  });

  it('is idempotent and accepts values with shared or already frozen parts', () => {
    const shared = Object.freeze({ from: '2024-01-01' });
    const a = immutable({ ...diagnosis(), validity: shared });
    const b = immutable({ ...diagnosis(), validity: shared });
    assert.equal(immutable(a), a);
    assert.equal(a.validity, b.validity);
    assert.ok(Object.isFrozen(b));
  });
});

describe('codec memo of immutable() values', () => {
  it('an immutable element encodes to the same XML every time, equal to an equal plain object', () => {
    const codec = new ContractCodec(getDiagnosisContract);
    codec.warm();
    const frozen = immutable(diagnosis());
    const first = encodeResponse(codec, response([frozen]));
    const second = encodeResponse(codec, response([frozen]));
    assert.equal(second, first);
    const plain = encodeResponse(new ContractCodec(getDiagnosisContract), response([diagnosis()]));
    assert.equal(first, plain);
    assert.equal(encodeResponse(codec, response([diagnosis()])), plain, 'same codec, plain value');
    // and the memoised text is the real content, in place, twice
    const twice = encodeResponse(codec, response([frozen, frozen]));
    const { root, source } = parseXml(twice, LIMITS);
    const decoded = codec.decode(root, OP.response.type, source) as { diagnosis: unknown[] };
    assert.deepEqual(decoded.diagnosis, [diagnosis(), diagnosis()]);
    assert.match(twice, /<ns\d+:displayName>Depressiv episod<\/ns\d+:displayName>/);
    assert.match(twice, /<ns\d+:text>Nedsatt &lt;koncentration&gt; &amp; ork<\/ns\d+:text>/);
    assert.equal(twice.match(/<ns\d+:diagnosis>/g)?.length, 2);
  });

  it('encodes an immutable value once per codec (the second encode reads none of its fields)', () => {
    let reads = 0;
    const value = diagnosis();
    Object.defineProperty(value, 'displayName', {
      enumerable: true,
      get() {
        reads++;
        return 'Depressiv episod';
      },
    });
    immutable(value);
    const codec = new ContractCodec(getDiagnosisContract);
    const before = reads;
    const first = encodeResponse(codec, response([value]));
    assert.equal(reads, before + 1);
    assert.equal(encodeResponse(codec, response([value])), first);
    assert.equal(reads, before + 1, 'served from the memo');
    // another codec has its own memo
    const other = new ContractCodec(getDiagnosisContract);
    assert.equal(encodeResponse(other, response([value])), first);
    assert.equal(reads, before + 2);
  });

  it('keeps the memo per tag: the same immutable value under another element name is written with that name', () => {
    const codec = new ContractCodec(echoContract);
    const ECHO = 'urn:test:echo:EchoResponder:1';
    const T = `{${ECHO}}EchoType`;
    const inner = immutable({ text: 'inner', flag: true, code: [{ code: 'A' }] });
    const asRoot = codec.encodeElement(`{${ECHO}}Echo`, T, inner, false);
    assert.equal(asRoot, '<ns3:Echo><ns3:text>inner</ns3:text><ns3:flag>true</ns3:flag><ns2:code><ns2:code>A</ns2:code></ns2:code></ns3:Echo>');
    const asChild = codec.encodeElement(`{${ECHO}}Echo`, T, { text: 'outer', child: inner }, false);
    assert.equal(
      asChild,
      '<ns3:Echo><ns3:text>outer</ns3:text><ns3:child><ns3:text>inner</ns3:text><ns3:flag>true</ns3:flag><ns2:code><ns2:code>A</ns2:code></ns2:code></ns3:child></ns3:Echo>',
    );
    assert.equal(codec.encodeElement(`{${ECHO}}Echo`, T, inner, false), asRoot, 'and back again');
    assert.equal(
      codec.encodeElement(`{${ECHO}}EchoResponse`, T, inner, false),
      '<ns3:EchoResponse><ns3:text>inner</ns3:text><ns3:flag>true</ns3:flag><ns2:code><ns2:code>A</ns2:code></ns2:code></ns3:EchoResponse>',
    );
  });

  it('never memoises an encoding that carries namespace declarations', () => {
    const codec = new ContractCodec(echoContract);
    const ECHO = 'urn:test:echo:EchoResponder:1';
    const EL = `{${ECHO}}Echo`;
    const T = `{${ECHO}}EchoType`;
    const value = immutable({ text: 't' });
    const declared = codec.encodeElement(EL, T, value);
    assert.equal(declared, `<ns3:Echo${codec.nsDeclarations}><ns3:text>t</ns3:text></ns3:Echo>`);
    assert.ok(codec.nsDeclarations.length > 0);
    const bare = codec.encodeElement(EL, T, value, false);
    assert.equal(bare, '<ns3:Echo><ns3:text>t</ns3:text></ns3:Echo>', 'no declarations leaked from the first encode');
    assert.equal(codec.encodeElement(EL, T, value), declared, 'and none lost after a memoised bare encode');
  });

  it('a plain object mutated between two encodes is written with its new content', () => {
    const codec = new ContractCodec(getDiagnosisContract);
    const plain = diagnosis();
    const a = encodeResponse(codec, response([plain]));
    plain.displayName = 'Depression (ny)';
    plain.validity.from = '2025-02-02';
    plain.relatedDecisionSupportId.push('FMB-F32-3');
    const b = encodeResponse(codec, response([plain]));
    assert.notEqual(b, a);
    assert.match(b, /<ns\d+:displayName>Depression \(ny\)<\/ns\d+:displayName>/);
    assert.match(b, /<ns\d+:from>2025-02-02<\/ns\d+:from>/);
    assert.match(b, /FMB-F32-3/);
    assert.doesNotMatch(b, /Depressiv episod/);
    const expected = diagnosis('Depression (ny)');
    expected.validity.from = '2025-02-02';
    expected.relatedDecisionSupportId.push('FMB-F32-3');
    assert.equal(b, encodeResponse(new ContractCodec(getDiagnosisContract), response([expected])));
  });

  it('a plain parent around immutable children: the parent is re-encoded, the children reused', () => {
    const codec = new ContractCodec(getDiagnosisContract);
    const child = immutable(diagnosis());
    const parent = response([child]);
    const a = encodeResponse(codec, parent);
    parent.result.resultCode = 'INFO';
    parent.diagnosis.push(immutable(diagnosis('Annan')));
    const b = encodeResponse(codec, parent);
    assert.match(b, /<ns\d+:resultCode>INFO<\/ns\d+:resultCode>/);
    assert.match(b, /Depressiv episod.*Annan/s);
    assert.equal(b, encodeResponse(new ContractCodec(getDiagnosisContract), { ...response([diagnosis(), diagnosis('Annan')]), result: { ...parent.result } }));
    assert.notEqual(a, b);
  });
});

// The prefixes used in the exact-string assertions above depend on the contract's namespaces.
describe('codec memo test assumptions', () => {
  it('GetDiagnosis prefixes are as assumed', () => {
    const codec = new ContractCodec(getDiagnosisContract);
    assert.equal(codec.prefixedName(CORE, 'x'), 'ns2:x');
    assert.equal(codec.prefixedName('urn:riv:processmanagement:decisionsupport:insurancemedicine:GetDiagnosisResponder:1', 'x'), 'ns3:x');
  });
});
