/**
 * Signed PushCaseStatus (docs/signed-pushes.md): verifyCaseStatusSignature against signatures made by two
 * implementations — xml-crypto in-process and xmlsec1 (Debian, libxmlsec1/OpenSSL), an independent
 * one — and the reverse: what xml-crypto signs, xmlsec1 verifies. Every defect case is run for both
 * signers. A missing xmlsec1 skips its parts with a message locally and fails under CI=true.
 * End to end: a registered signing certificate replaced in place is used after a reload.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { pushCaseStatusV1Contract } from '../contracts/index.js';
import { DEV_HSA, loadConfig } from '../src/config.js';
import { verifyCaseStatusSignature, type SignatureCheck } from '../src/caseoverview/signature.js';
import { validateResponse } from '../src/soap/validator.js';
import { findProjectRoot } from '../src/project-root.js';
import { makePki } from './fixtures/pki.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { giveConsent } from './helpers/consent.js';
import { PUSH_ACTION, identityNumber, pathOf, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';

const root = findProjectRoot();
const SAMPLE = fs.readFileSync(path.join(root, 'schemas/interactions/PushCaseStatusInteraction/samples/PushCaseStatusRequest.xml'), 'utf8');
const PUSH_NS = 'urn:riv:casemanagement:caseoverview:PushCaseStatusResponder:1';
const CORE_NS = 'urn:riv:casemanagement:caseoverview:1';
const ID = 'cs-2025-000417';
const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  incC14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
};

/** The request to sign: the sample, whose caseStatus carries Id="cs-2025-000417" (asserted below). */
const REQUEST = SAMPLE;
/** For the wrong-target case only: an Id on subject (the XSD does not allow it; the verifier must refuse regardless). */
const WITH_SUBJECT_ID = SAMPLE.replace('<core:subject>', '<core:subject Id="subj-1">');

type Role = 'case-system' | 'journal-system';
type Target = 'caseStatus' | 'subject';
interface Signer {
  readonly name: string;
  readonly available: boolean;
  sign(xml: string, role: Role, target?: Target): string;
}

let pki: string;
let work: string;
const pem = (role: Role, ext: 'crt' | 'key') => fs.readFileSync(path.join(pki, `${role}.${ext}`), 'utf8');

before(async () => {
  pki = await makePki();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-sig-'));
});
after(() => {
  for (const dir of [work, pki]) fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- signers

const xmlCrypto: Signer = {
  name: 'xml-crypto',
  available: true,
  sign(xml, role, target = 'caseStatus') {
    // No publicCert: no KeyInfo. The verifier must not need one.
    const sig = new SignedXml({ privateKey: pem(role, 'key'), signatureAlgorithm: ALG.rsaSha256, canonicalizationAlgorithm: ALG.excC14n });
    sig.addReference({ xpath: `//*[local-name(.)='${target}']`, transforms: [ALG.enveloped, ALG.excC14n], digestAlgorithm: ALG.sha256 });
    sig.computeSignature(xml, { prefix: 'ds', location: { reference: "//*[local-name(.)='caseStatus']", action: 'append' } });
    return sig.getSignedXml();
  },
};

/** The sender-guide template (docs/signed-pushes.md), placed as the last child of caseStatus. */
function template(xml: string, uri: string): string {
  const t =
    '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>' +
    `<ds:CanonicalizationMethod Algorithm="${ALG.excC14n}"/><ds:SignatureMethod Algorithm="${ALG.rsaSha256}"/>` +
    `<ds:Reference URI="${uri}"><ds:Transforms><ds:Transform Algorithm="${ALG.enveloped}"/><ds:Transform Algorithm="${ALG.excC14n}"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${ALG.sha256}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>` +
    '<ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>';
  return xml.replace('</tjsr:caseStatus>', `${t}</tjsr:caseStatus>`);
}

const xmlsecAvailable = spawnSync('xmlsec1', ['--version'], { stdio: 'ignore' }).error === undefined;
let fileNo = 0;
const xmlsec: Signer = {
  name: 'xmlsec1',
  available: xmlsecAvailable,
  sign(xml, role, target = 'caseStatus') {
    const input = path.join(work, `tmpl-${++fileNo}.xml`);
    const output = path.join(work, `signed-${fileNo}.xml`);
    fs.writeFileSync(input, template(xml, target === 'caseStatus' ? `#${ID}` : '#subj-1'));
    const key = `${path.join(pki, `${role}.key`)},${path.join(pki, `${role}.crt`)}`;
    const r = spawnSync(
      'xmlsec1',
      ['--sign', '--privkey-pem', key, '--id-attr:Id', `${PUSH_NS}:caseStatus`, '--id-attr:Id', `${CORE_NS}:subject`, '--output', output, input],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `xmlsec1 --sign: ${r.stderr}`);
    return fs.readFileSync(output, 'utf8');
  },
};

/** xmlsec1 --verify with only the given certificate's key; true when it reports OK. */
function xmlsecVerify(xml: string, role: Role): boolean {
  const file = path.join(work, `verify-${++fileNo}.xml`);
  fs.writeFileSync(file, xml);
  const r = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', path.join(pki, `${role}.crt`), '--id-attr:Id', `${PUSH_NS}:caseStatus`, file], {
    encoding: 'utf8',
  });
  return r.status === 0;
}

/** xml-crypto on its own (no profile checks): shows a wrapping case is cryptographically "valid". */
function xmlCryptoAlone(xml: string, role: Role): boolean {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const sig = new SignedXml({ publicCert: pem(role, 'crt'), getCertFromKeyInfo: () => null });
  sig.loadSignature(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]! as unknown as Node);
  try {
    return sig.checkSignature(xml);
  } catch {
    return false;
  }
}

function usable(t: TestContext, signer: Signer): boolean {
  if (signer.available) return true;
  assert.notEqual(process.env.CI, 'true', 'xmlsec1 is required under CI=true');
  t.skip('xmlsec1 is not installed here (Debian package xmlsec1)');
  return false;
}

// ---------------------------------------------------------------- helpers over signed text

const signatureOf = (xml: string): string => /<ds:Signature[\s\S]*?<\/ds:Signature>/.exec(xml)![0];
const signedInfoOf = (xml: string): string => /<ds:SignedInfo>[\s\S]*?<\/ds:SignedInfo>/.exec(xml)![0];
const caseStatusOf = (xml: string): string => /<tjsr:caseStatus[\s\S]*?<\/tjsr:caseStatus>/.exec(xml)![0];
const verify = (xml: string, role: Role = 'case-system'): SignatureCheck => verifyCaseStatusSignature(xml, pem(role, 'crt'));

function assertInvalid(check: SignatureCheck, reason: RegExp): void {
  assert.equal(check.status, 'invalid', JSON.stringify(check));
  assert.match((check as { reason: string }).reason, reason);
}

// ---------------------------------------------------------------- the matrix, per signer

it('the sample caseStatus carries the Id the reference names', () => {
  assert.match(SAMPLE, new RegExp(`<tjsr:caseStatus Id="${ID}">`));
});

for (const signer of [xmlCrypto, xmlsec]) {
  describe(`signed by ${signer.name}`, () => {
    it('a valid signature verifies, and the Signature element is returned as evidence', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const check = verify(signed);
      assert.equal(check.status, 'valid', JSON.stringify(check));
      const evidence = (check as { signatureXml: string }).signatureXml;
      assert.match(evidence, /^<ds:Signature xmlns:ds="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">/);
      assert.match(evidence, /<ds:SignatureValue>[A-Za-z0-9+/=\s]{100,}<\/ds:SignatureValue>/);
      // A signed request is still schema-valid (the trailing xs:any admits ds:Signature), so it reaches the handler.
      assert.equal(validateResponse(pushCaseStatusV1Contract, signed, root), undefined);
    });

    it('a Windows sender (CRLF line endings) or a leading BOM still verifies', (t) => {
      if (!usable(t, signer)) return;
      const crlf = signer.sign(REQUEST.replace(/\n/g, '\r\n'), 'case-system').replace(/\r?\n/g, '\r\n');
      assert.match(crlf, /<core:caseId>[^\r]*\r\n/);
      assert.equal(verify(crlf).status, 'valid');
      assert.equal(verify(`\uFEFF${signer.sign(REQUEST, 'case-system')}`).status, 'valid');
    });

    it('tampered content is a digest mismatch', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      assertInvalid(verify(signed.replace('<core:status>ACTION_REQUIRED<', '<core:status>CLOSED<')), /^digest mismatch/);
      assertInvalid(verify(signed.replace(`Id="${ID}"`, `Id="${ID}" notify="false"`)), /^digest mismatch/);
    });

    it('a tampered SignedInfo is a signature mismatch', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      // Swap the digest for the digest of altered content: the reference check passes, SignatureValue does not.
      const altered = signed.replace('<core:status>ACTION_REQUIRED<', '<core:status>CLOSED<');
      const alteredDigest = /<ds:DigestValue>([^<]+)</.exec(signer.sign(altered.replace(signatureOf(altered), ''), 'case-system'))![1]!;
      const forged = altered.replace(/<ds:DigestValue>[^<]+</, `<ds:DigestValue>${alteredDigest}<`);
      assertInvalid(verify(forged), /^signature mismatch/);
    });

    it('the wrong certificate is a signature mismatch', (t) => {
      if (!usable(t, signer)) return;
      assertInvalid(verify(signer.sign(REQUEST, 'case-system'), 'journal-system'), /^signature mismatch/);
    });

    it('a signature by another key is refused even when KeyInfo carries that key’s certificate', (t) => {
      if (!usable(t, signer)) return;
      let signed = signer.sign(REQUEST, 'journal-system');
      if (!signed.includes('<ds:KeyInfo>')) {
        // xml-crypto signed without KeyInfo: add the signer's certificate (KeyInfo is outside SignedInfo).
        const b64 = pem('journal-system', 'crt').replace(/-----[^-]+-----|\s/g, '');
        signed = signed.replace('</ds:Signature>', `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>`);
      }
      assert.match(signed, /<ds:X509Certificate>/);
      assertInvalid(verify(signed, 'case-system'), /^signature mismatch/);
    });

    it('wrapping: the signed caseStatus moved elsewhere and an altered one in its place', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const original = caseStatusOf(signed).replace(signatureOf(signed), '');
      const evil = caseStatusOf(signed).replace(`Id="${ID}"`, 'Id="cs-evil"').replace('<core:status>ACTION_REQUIRED<', '<core:status>CLOSED<');
      const wrapped = signed
        .replace(caseStatusOf(signed), evil)
        .replace('</soapenv:Header>', `<w:Wrapper xmlns:w="urn:example:wrap" xmlns:tjsr="${PUSH_NS}" xmlns:core="${CORE_NS}">${original}</w:Wrapper></soapenv:Header>`);
      // The attack is real: without the profile checks the digest and signature both hold.
      assert.equal(xmlCryptoAlone(wrapped, 'case-system'), true);
      assertInvalid(verify(wrapped), /expected one caseStatus, found 2/);
    });

    it('wrapping: a second element with the same Id', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const dup = signed.replace('</soapenv:Header>', `<w:Wrapper xmlns:w="urn:example:wrap" Id="${ID}"/></soapenv:Header>`);
      assertInvalid(verify(dup), /another element carries the Id/);
      const dupNs = signed.replace('</soapenv:Header>', `<w:Wrapper xmlns:w="urn:example:wrap" w:ID="${ID}"/></soapenv:Header>`);
      assertInvalid(verify(dupNs), /another element carries the Id/);
    });

    it('a reference to another element than caseStatus', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(WITH_SUBJECT_ID, 'case-system', 'subject');
      assert.match(signedInfoOf(signed), /URI="#subj-1"/);
      assert.equal(xmlCryptoAlone(signed, 'case-system'), true);
      assertInvalid(verify(signed), /Reference does not point at caseStatus/);
      // And with the Id removed from caseStatus there is nothing it could point at.
      assertInvalid(verify(signed.replace(` Id="${ID}"`, '')), /caseStatus has no Id/);
    });

    it('duplicated SignedInfo, in Signature or hidden in an Object', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const si = signedInfoOf(signed);
      assertInvalid(verify(signed.replace(si, si + si)), /exactly one SignedInfo/);
      assertInvalid(verify(signed.replace('</ds:Signature>', `<ds:Object>${si}</ds:Object></ds:Signature>`)), /exactly one SignedInfo/);
    });

    it('a second Reference', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const ref = /<ds:Reference[\s\S]*?<\/ds:Reference>/.exec(signed)![0];
      assertInvalid(verify(signed.replace(ref, ref + ref)), /exactly one Reference/);
    });

    it('two signatures', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const sig = signatureOf(signed);
      assertInvalid(verify(signed.replace(sig, sig + sig)), /expected one Signature, found 2/);
      assertInvalid(verify(signed.replace('</soapenv:Header>', `${sig}</soapenv:Header>`)), /expected one Signature, found 2/);
    });

    it('a signature that is not the last child of caseStatus', (t) => {
      if (!usable(t, signer)) return;
      const signed = signer.sign(REQUEST, 'case-system');
      const sig = signatureOf(signed);
      // Still cryptographically intact (the enveloped transform removes it wherever it is); refused by the profile.
      const moved = signed.replace(sig, '').replace('<core:notify>', `${sig}<core:notify>`);
      assert.equal(xmlCryptoAlone(moved, 'case-system'), true);
      assertInvalid(verify(moved), /not the last child of caseStatus/);
      assertInvalid(verify(signed.replace(sig, `${sig}<x:ext xmlns:x="urn:example:ext"/>`)), /not the last child of caseStatus/);
      assertInvalid(verify(signed.replace(sig, '').replace('</tjsr:PushCaseStatus>', `${sig}</tjsr:PushCaseStatus>`)), /not a child of caseStatus/);
    });
  });
}

// ---------------------------------------------------------------- algorithms, absence, hostile input

describe('profile', () => {
  function signWith(opts: { signatureAlgorithm?: string; canonicalizationAlgorithm?: string; digestAlgorithm?: string; transforms?: string[] }): string {
    const sig = new SignedXml({
      privateKey: pem('case-system', 'key'),
      signatureAlgorithm: opts.signatureAlgorithm ?? ALG.rsaSha256,
      canonicalizationAlgorithm: opts.canonicalizationAlgorithm ?? ALG.excC14n,
    });
    sig.addReference({ xpath: "//*[local-name(.)='caseStatus']", transforms: opts.transforms ?? [ALG.enveloped, ALG.excC14n], digestAlgorithm: opts.digestAlgorithm ?? ALG.sha256 });
    sig.computeSignature(REQUEST, { prefix: 'ds', location: { reference: "//*[local-name(.)='caseStatus']", action: 'append' } });
    return sig.getSignedXml();
  }

  it('the profile signer itself produces a valid signature (so the cases below fail for their one difference)', () => {
    assert.equal(verify(signWith({})).status, 'valid');
  });

  it('other algorithms are refused', () => {
    assertInvalid(verify(signWith({ signatureAlgorithm: ALG.rsaSha1 })), /SignatureMethod Algorithm must be/);
    assertInvalid(verify(signWith({ canonicalizationAlgorithm: ALG.incC14n })), /CanonicalizationMethod Algorithm must be/);
    assertInvalid(verify(signWith({ digestAlgorithm: ALG.sha1 })), /DigestMethod Algorithm must be/);
    assertInvalid(verify(signWith({ transforms: [ALG.enveloped, ALG.incC14n] })), /Transform Algorithm must be/);
    assertInvalid(verify(signWith({ transforms: [ALG.excC14n, ALG.enveloped] })), /Transform Algorithm must be/);
    assertInvalid(verify(signWith({ transforms: [ALG.enveloped] })), /exactly two Transforms/);
  });

  it('no Signature anywhere is absent', () => {
    assert.deepEqual(verify(SAMPLE), { status: 'absent' });
    assert.deepEqual(verify(REQUEST.replace(` Id="${ID}"`, '')), { status: 'absent' });
  });

  it('a DOCTYPE or a malformed document is invalid, never absent', () => {
    const signed = signWith({});
    assertInvalid(verify(signed.replace('<soapenv:Envelope', '<!DOCTYPE soapenv:Envelope [<!ENTITY x "y">]>\n<soapenv:Envelope')), /DOCTYPE/);
    assertInvalid(verify(signed.replace('</soapenv:Body>', '')), /could not be parsed/);
  });

  it('an unusable registered certificate is a configuration error, not the sender’s', () => {
    assert.throws(() => verifyCaseStatusSignature(signWith({}), 'not a certificate'), /registered signing certificate/);
  });
});

// ---------------------------------------------------------------- the reverse: xml-crypto signs, xmlsec1 verifies

describe('xmlsec1 verifies what xml-crypto signs', () => {
  it('valid with the sender certificate; refused with another certificate or after tampering', (t) => {
    if (!usable(t, xmlsec)) return;
    const signed = xmlCrypto.sign(REQUEST, 'case-system');
    assert.equal(xmlsecVerify(signed, 'case-system'), true);
    assert.equal(xmlsecVerify(signed, 'journal-system'), false);
    assert.equal(xmlsecVerify(signed.replace('<core:status>ACTION_REQUIRED<', '<core:status>CLOSED<'), 'case-system'), false);
  });
});

// ---------------------------------------------------------------- end to end: the registered certificate after a reload

describe('a signing certificate replaced in place is used after a reload', () => {
  let t: TestApp;
  let certFile: string;
  /** The app's own PKI (not the module-level one above). */
  const appPem = (role: Role, ext: 'crt' | 'key') => fs.readFileSync(path.join(t.certsDir, `${role}.${ext}`), 'utf8');
  before(async () => {
    // The case system must sign; its registered certificate is a file of its own that the test replaces.
    // Certificates are read on first use, so the file only has to exist before the first push.
    certFile = path.join(work, 'case-system-signing.crt');
    const dev = loadConfig({});
    const consumers = { ...dev.consumers, [DEV_HSA.caseSystem]: { ...dev.consumers[DEV_HSA.caseSystem], signaturePolicy: 'required', signingCertificate: certFile } };
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false', PRODUCER_CONSUMERS: JSON.stringify(consumers) });
    fs.writeFileSync(certFile, appPem('case-system', 'crt'));
  });
  after(async () => {
    await t?.close();
  });

  let n = 0;
  /** Pushes a new case as case-system, signed with `keyRole`'s private key; returns [resultCode, errorCode]. */
  async function pushSignedWith(keyRole: Role): Promise<[string | undefined, string | undefined]> {
    const f: CaseFields = { caseId: `rotate-${++n}`, subject: identityNumber('19850412', 200 + n), caseUpdated: '2025-06-01T00:00:00Z', id: `cs-rotate-${n}` };
    await giveConsent(t.db, t.config.keysFile, f.subject); // consent is required by default
    const sig = new SignedXml({ privateKey: appPem(keyRole, 'key'), signatureAlgorithm: ALG.rsaSha256, canonicalizationAlgorithm: ALG.excC14n });
    sig.addReference({ xpath: "//*[local-name(.)='caseStatus']", transforms: [ALG.enveloped, ALG.excC14n], digestAlgorithm: ALG.sha256 });
    sig.computeSignature(pushEnvelope(f), { prefix: 'ds', location: { reference: "//*[local-name(.)='caseStatus']", action: 'append' } });
    const r = await t.post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, sig.getSignedXml());
    assert.equal(r.status, 200, r.body);
    if (texts(r.body, 'resultCode')[0] === 'OK') assert.deepEqual(texts(r.body, 'outcome'), ['CREATED'], r.body);
    return [texts(r.body, 'resultCode')[0], texts(r.body, 'errorCode')[0]];
  }

  it('after the reload the new key is accepted and the old key refused', async () => {
    assert.deepEqual(await pushSignedWith('case-system'), ['OK', undefined]);
    assert.deepEqual(await pushSignedWith('journal-system'), ['ERROR', 'ACCESS_DENIED'], 'another key is refused before the change');
    // In place: the same path, a new key pair's certificate (journal-system's, a different RSA key).
    fs.writeFileSync(certFile, appPem('journal-system', 'crt'));
    t.app.reload(t.config);
    assert.deepEqual(await pushSignedWith('journal-system'), ['OK', undefined]);
    assert.deepEqual(await pushSignedWith('case-system'), ['ERROR', 'ACCESS_DENIED']);
  });
});
