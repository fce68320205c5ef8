/**
 * Signed PushCaseStatus (docs/signed-pushes.md): verifies the enveloped XML-DSig a sender may put over
 * `caseStatus`. The profile is deliberately narrow — one Signature, the last child of the one
 * `caseStatus`, one Reference `URI="#<Id>"` with enveloped-signature + exclusive c14n, SHA-256,
 * RSA-SHA256 — so that every structural check below is exact and signature wrapping has no room.
 * The key is always the sender's registered certificate; KeyInfo is never consulted.
 *
 * xml-crypto does the canonicalisation and the cryptography; the profile checks are ours, made on a
 * DOM (@xmldom/xmldom) that refuses DOCTYPEs and any parse complaint.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { DOMParser, XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

export type SignatureCheck = { status: 'absent' } | { status: 'valid'; signatureXml: string } | { status: 'invalid'; reason: string };

const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  push: 'urn:riv:casemanagement:caseoverview:PushCaseStatusResponder:1',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
} as const;

const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

/** Attribute local names xml-crypto resolves `#id` references against (its default idAttributes, any namespace). */
const ID_ATTRIBUTE_NAMES = new Set(['Id', 'ID', 'id']);

/**
 * A profile violation; its message is the `reason`. Reasons are our own fixed texts: they name elements
 * and rules, never a value or a parser message quoting the request (README, "No echo").
 */
class Refusal extends Error {}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

/**
 * Checks the signature over the single `caseStatus` of a whole PushCaseStatus SOAP envelope against
 * the sender's registered certificate (PEM). Throws only when `certificatePem` is unusable, which is
 * a configuration error, not the sender's.
 */
export function verifyCaseStatusSignature(received: string, certificatePem: string): SignatureCheck {
  // A leading BOM is transport framing, not content (the transport's parser drops it too); both parses below see the same text.
  const requestXml = received.charCodeAt(0) === 0xfeff ? received.slice(1) : received;
  let doc: Document;
  try {
    doc = parse(requestXml);
  } catch (e) {
    return { status: 'invalid', reason: `request could not be parsed for signature checking${e instanceof Refusal ? `: ${e.message}` : ''}` };
  }
  const signatures = descendants(doc, NS.dsig, 'Signature');
  if (signatures.length === 0) return { status: 'absent' };
  const key = registeredKey(certificatePem);
  try {
    const { caseStatus, signature } = checkProfile(doc, signatures);
    verifyCrypto(requestXml, caseStatus, signature, key);
    return { status: 'valid', signatureXml: new XMLSerializer().serializeToString(signature) };
  } catch (e) {
    // xml-crypto throws on a signature mismatch and on malformed SignedInfo; both are the sender's defect.
    return { status: 'invalid', reason: e instanceof Refusal ? e.message : 'signature verification failed' };
  }
}

/** The public key of the registered certificate; a broken registry entry is an operator error, so it throws. */
function registeredKey(certificatePem: string): KeyObject {
  try {
    return new X509Certificate(certificatePem).publicKey;
  } catch (e) {
    throw new TypeError(`the registered signing certificate is not a usable X.509 certificate: ${message(e)}`);
  }
}

function parse(xml: string): Document {
  // Any warning or error is fatal: a document our parser reads differently from the transport's is not verifiable.
  const doc = new DOMParser({
    onError: (level, msg) => {
      throw new Error(`${level}: ${msg}`);
    },
  }).parseFromString(xml, 'text/xml');
  // xmldom never fetches or expands declared entities, but a DTD has no place in SOAP (and the transport refuses it).
  if (doc.doctype) refuse('DOCTYPE is not allowed');
  return doc;
}

/** Enforces the signing profile; returns the located elements. */
function checkProfile(doc: Document, signatures: Element[]): { caseStatus: Element; signature: Element } {
  if (signatures.length > 1) refuse(`expected one Signature, found ${signatures.length}`);
  const signature = signatures[0]!;

  const caseStatuses = descendants(doc, NS.push, 'caseStatus');
  if (caseStatuses.length !== 1) refuse(`expected one caseStatus, found ${caseStatuses.length}`);
  const caseStatus = caseStatuses[0]!;
  const push = parentElement(caseStatus);
  const body = push && parentElement(push);
  const envelope = body && parentElement(body);
  if (!is(push, NS.push, 'PushCaseStatus') || !is(body, NS.soap, 'Body') || !is(envelope, NS.soap, 'Envelope') || envelope !== doc.documentElement) {
    refuse('caseStatus is not at Envelope/Body/PushCaseStatus/caseStatus');
  }

  if (parentElement(signature) !== caseStatus) refuse('Signature is not a child of caseStatus');
  const caseChildren = childElements(caseStatus);
  if (caseChildren[caseChildren.length - 1] !== signature) refuse('Signature is not the last child of caseStatus');

  // The reference must resolve to caseStatus and nothing else: a second element carrying the same
  // id value (under any attribute xml-crypto would match) is the classic wrapping set-up.
  const id = caseStatus.getAttribute('Id');
  if (!id) refuse('caseStatus has no Id attribute');
  for (const el of descendants(doc, '*', '*')) {
    if (el === caseStatus) continue;
    for (const attr of Array.from(el.attributes)) {
      if (ID_ATTRIBUTE_NAMES.has(attr.localName ?? attr.name) && attr.value === id) refuse('another element carries the Id of caseStatus');
    }
  }

  if (descendants(doc, NS.dsig, 'SignedInfo').length !== 1) refuse('expected exactly one SignedInfo in the document');
  if (descendants(doc, NS.dsig, 'Reference').length !== 1) refuse('expected exactly one Reference in the document');

  // Signature = SignedInfo, SignatureValue, KeyInfo? (KeyInfo is tolerated, never used); no Object.
  const [signedInfo, signatureValue] = expectChildren(signature, 'Signature', ['SignedInfo', 'SignatureValue'], ['KeyInfo']);
  if (!signatureValue!.textContent?.trim()) refuse('SignatureValue is empty');

  const [c14nMethod, signatureMethod, reference] = expectChildren(signedInfo!, 'SignedInfo', ['CanonicalizationMethod', 'SignatureMethod', 'Reference']);
  expectAlgorithm(c14nMethod!, ALG.excC14n);
  expectNoChildren(c14nMethod!);
  expectAlgorithm(signatureMethod!, ALG.rsaSha256);
  expectNoChildren(signatureMethod!);

  if (reference!.getAttribute('URI') !== `#${id}`) refuse('the Reference does not point at caseStatus (URI must be "#" + its Id)');
  const [transforms, digestMethod, digestValue] = expectChildren(reference!, 'Reference', ['Transforms', 'DigestMethod', 'DigestValue']);
  const transformList = childElements(transforms!);
  if (transformList.length !== 2 || !transformList.every((t) => is(t, NS.dsig, 'Transform'))) refuse('expected exactly two Transforms');
  expectAlgorithm(transformList[0]!, ALG.enveloped);
  expectNoChildren(transformList[0]!);
  expectAlgorithm(transformList[1]!, ALG.excC14n);
  // exc-c14n may name inclusive prefixes (xml-crypto applies them); nothing else may sit there.
  if (!childElements(transformList[1]!).every((c) => is(c, NS.excC14n, 'InclusiveNamespaces'))) refuse('unexpected content in the exc-c14n Transform');
  expectAlgorithm(digestMethod!, ALG.sha256);
  expectNoChildren(digestMethod!);
  if (!digestValue!.textContent?.trim()) refuse('DigestValue is empty');

  return { caseStatus, signature };
}

function verifyCrypto(requestXml: string, caseStatus: Element, signature: Element, key: KeyObject): void {
  // getCertFromKeyInfo → null: xml-crypto would otherwise prefer a certificate found in KeyInfo.
  const signed = new SignedXml({ publicCert: key, getCertFromKeyInfo: () => null });
  signed.loadSignature(signature as unknown as Node);
  // checkSignature re-parses the text with xml-crypto's own xmldom; it returns false on a digest
  // mismatch and throws on a signature mismatch (and on anything it cannot process).
  let digestsMatch: boolean;
  try {
    digestsMatch = signed.checkSignature(requestXml);
  } catch (e) {
    if (/signature value .* is incorrect/s.test(message(e))) refuse('signature mismatch: SignatureValue does not verify with the registered certificate');
    throw e;
  }
  if (!digestsMatch) refuse('digest mismatch: caseStatus is not what was signed');
  // The bytes xml-crypto verified (in its parse) must be the caseStatus we located (in ours): closes
  // any gap between the two parsers.
  const verified = signed.getSignedReferences();
  const expected = signed.getCanonXml([ALG.enveloped, ALG.excC14n], caseStatus as unknown as Node);
  if (verified.length !== 1 || verified[0] !== expected) refuse('the verified content is not the caseStatus element');
}

// ---- small DOM helpers (namespace-exact; xmldom's Element is not the lib.dom Element) ----

const ELEMENT_NODE = 1;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function descendants(doc: Document, ns: string, local: string): Element[] {
  return Array.from(doc.getElementsByTagNameNS(ns, local));
}

function is(el: Element | null | undefined, ns: string, local: string): el is Element {
  return !!el && el.namespaceURI === ns && el.localName === local;
}

function parentElement(el: Element): Element | null {
  const parent = el.parentNode;
  return parent && parent.nodeType === ELEMENT_NODE ? (parent as Element) : null;
}

function childElements(el: Element): Element[] {
  return Array.from(el.childNodes).filter((n): n is Element => n.nodeType === ELEMENT_NODE);
}

/** Children must be exactly `required` (ds namespace, in order), then at most the `optional` ones in order. */
function expectChildren(el: Element, what: string, required: string[], optional: string[] = []): Element[] {
  const children = childElements(el);
  const names = [...required, ...optional];
  let at = 0;
  for (const child of children) {
    while (at < names.length && !is(child, NS.dsig, names[at]!)) {
      if (at < required.length) refuse(`${what} must contain ${required.join(', ')} in that order, once each`);
      at++;
    }
    if (at === names.length) refuse(`unexpected element in ${what}`);
    at++;
  }
  if (at < required.length) refuse(`${what} must contain ${required.join(', ')} in that order, once each`);
  return children;
}

function expectAlgorithm(el: Element, algorithm: string): void {
  const actual = el.getAttribute('Algorithm');
  if (actual !== algorithm) refuse(`${el.localName} Algorithm must be ${algorithm}`);
}

function expectNoChildren(el: Element): void {
  if (childElements(el).length > 0) refuse(`unexpected content in ${el.localName}`);
}
