/** Unit tests: XML parsing limits, envelope checks and the fault builder. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lookupNamespace, parseXml, XmlInputError } from '../src/soap/xml.js';
import { readEnvelope } from '../src/soap/envelope.js';
import { buildFault, FAULTS, SoapFault, toFault } from '../src/soap/fault.js';
import { DatabaseUnavailableError } from '../src/storage/errors.js';

const LIMITS = { maxDepth: 8, maxElements: 20, maxAttributeBytes: 64, maxNsPerElement: 4, maxNsPerDocument: 6 };
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof XmlInputError || err instanceof SoapFault) return err.code;
    throw err;
  }
  return 'none';
}

describe('parseXml', () => {
  it('builds a namespace-aware tree with text, attributes and offsets', () => {
    const src = `<?xml version="1.0" encoding="UTF-8"?><a:r xmlns:a="urn:a" xmlns="urn:d" k="v" a:q="w"><c>x&amp;y<![CDATA[<z>]]></c><e/></a:r>`;
    const { root, encoding, source } = parseXml(src, LIMITS);
    assert.equal(encoding, 'UTF-8');
    assert.equal(root.name, 'r');
    assert.equal(root.ns, 'urn:a');
    assert.deepEqual(root.attributes, { k: 'v', '{urn:a}q': 'w' });
    assert.equal(root.children[0]!.ns, 'urn:d');
    assert.equal(root.children[0]!.text, 'x&y<z>');
    const e = root.children[1]!;
    assert.equal(source.slice(e.start, e.end), '<e/>');
    assert.equal(source.slice(root.children[0]!.start, root.children[0]!.end), '<c>x&amp;y<![CDATA[<z>]]></c>');
  });

  it('drops a leading BOM', () => {
    assert.equal(parseXml('\uFEFF<r/>', LIMITS).root.name, 'r');
  });

  it('refuses DOCTYPE, entity declarations and processing instructions (RP001)', () => {
    assert.equal(code(() => parseXml('<!DOCTYPE r><r/>', LIMITS)), 'RP001');
    assert.equal(code(() => parseXml('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', LIMITS)), 'RP001');
    assert.equal(code(() => parseXml('<r><?php echo 1 ?></r>', LIMITS)), 'RP001');
    assert.equal(code(() => parseXml('<r>&undefined;</r>', LIMITS)), 'RP001');
  });

  it('refuses malformed XML (RP001)', () => {
    for (const bad of ['', '<r>', '<r></s>', 'text', '<r/><r/>', '<a:r/>', '<r a="1" a="2"/>']) {
      assert.equal(code(() => parseXml(bad, LIMITS)), 'RP001', bad);
    }
  });

  it('enforces depth, element count and attribute size while parsing (RP002)', () => {
    assert.equal(code(() => parseXml('<a>'.repeat(9) + '</a>'.repeat(9), LIMITS)), 'RP002');
    assert.equal(code(() => parseXml('<a>'.repeat(8) + '</a>'.repeat(8), LIMITS)), 'none');
    assert.equal(code(() => parseXml('<r>' + '<e/>'.repeat(20) + '</r>', LIMITS)), 'RP002');
    assert.equal(code(() => parseXml(`<r a="${'x'.repeat(65)}"/>`, LIMITS)), 'RP002');
    assert.equal(code(() => parseXml(`<r a="${'x'.repeat(64)}"/>`, LIMITS)), 'none');
  });
});

describe('namespace declarations', () => {
  // LIMITS: at most 4 declarations on one element, 6 in a document
  const decls = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ` xmlns:p${from + i}="urn:p${from + i}"`).join('');

  it('caps declarations per element and per document (RP002), default-namespace ones included', () => {
    assert.equal(code(() => parseXml(`<r${decls(4)}/>`, LIMITS)), 'none');
    assert.equal(code(() => parseXml(`<r${decls(5)}/>`, LIMITS)), 'RP002');
    assert.equal(code(() => parseXml(`<r${decls(3)} xmlns="urn:d"/>`, LIMITS)), 'none');
    assert.equal(code(() => parseXml(`<r${decls(4)} xmlns="urn:d"/>`, LIMITS)), 'RP002');
    const perChild = (n: number) => `<r${decls(2)}>` + Array.from({ length: n }, (_, i) => `<e xmlns:q="urn:q${i}"/>`).join('') + '</r>';
    assert.equal(code(() => parseXml(perChild(4), LIMITS)), 'none');
    assert.equal(code(() => parseXml(perChild(5), LIMITS)), 'RP002');
    assert.throws(() => parseXml(perChild(5), LIMITS), /namespace declarations in the document/);
  });

  it('counts attributes against the element budget (RP002)', () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}="v"`).join('');
    assert.equal(code(() => parseXml(`<r${attrs(19)}/>`, LIMITS)), 'none');
    assert.equal(code(() => parseXml(`<r${attrs(20)}/>`, LIMITS)), 'RP002');
    assert.equal(code(() => parseXml(`<r${decls(4)}${attrs(19)}/>`, LIMITS)), 'none', 'declarations have their own caps');
  });

  it('resolves prefixes through the declaring ancestors, nearest first, and scopes end with their element', () => {
    const { root } = parseXml(
      `<a:r xmlns:a="urn:1" xmlns="urn:d"><a:x xmlns:a="urn:2"><a:y a:k="1"/><z xmlns=""/></a:x><a:w/><v xml:lang="sv"/></a:r>`,
      LIMITS,
    );
    const [x, w, v] = root.children;
    assert.equal(root.ns, 'urn:1');
    assert.equal(x!.ns, 'urn:2');
    assert.equal(x!.children[0]!.ns, 'urn:2');
    assert.deepEqual(x!.children[0]!.attributes, { '{urn:2}k': '1' });
    assert.equal(x!.children[1]!.ns, '', 'xmlns="" undeclares the default namespace');
    assert.equal(w!.ns, 'urn:1', 'the redeclaration ended with its element');
    assert.equal(v!.ns, 'urn:d');
    assert.deepEqual(v!.attributes, { '{http://www.w3.org/XML/1998/namespace}lang': 'sv' });
    assert.equal(lookupNamespace(x!.children[0]!.nsScope, 'a'), 'urn:2');
    assert.equal(lookupNamespace(w!.nsScope, 'a'), 'urn:1');
    assert.equal(lookupNamespace(w!.nsScope, 'nope'), undefined);
  });

  it('shares one scope among the elements below a declaration instead of copying it', () => {
    const { root } = parseXml(`<r${decls(4)}><a><b/></a><c/></r>`, LIMITS);
    const [a, c] = root.children;
    assert.equal(a!.nsScope, root.nsScope);
    assert.equal(a!.children[0]!.nsScope, root.nsScope);
    assert.equal(c!.nsScope, root.nsScope);
  });

  it('refuses what the Namespaces in XML rules forbid (RP001)', () => {
    for (const bad of [
      '<p:r/>',
      '<r p:a="1"/>',
      '<r xmlns:a="urn:x" xmlns:b="urn:x" a:k="1" b:k="2"/>',
      '<r xmlns:xml="urn:evil"/>',
      '<r xmlns:x="http://www.w3.org/XML/1998/namespace"/>',
      '<r xmlns="http://www.w3.org/XML/1998/namespace"/>',
      '<r xmlns:xmlns="urn:evil"/>',
      '<r xmlns:x="http://www.w3.org/2000/xmlns/"/>',
      '<xmlns:r/>',
      '<a:b:c xmlns:a="urn:a"/>',
      '<r :a="1"/>',
      '<r xmlns:p="urn:p"><p:e xmlns:p=""/></r>',
    ]) {
      assert.equal(code(() => parseXml(bad, LIMITS)), 'RP001', bad);
    }
    // XML 1.1 may undeclare a prefix; it is unbound below
    assert.equal(code(() => parseXml('<?xml version="1.1"?><r xmlns:p="urn:p"><e xmlns:p=""/></r>', LIMITS)), 'none');
    assert.equal(code(() => parseXml('<?xml version="1.1"?><r xmlns:p="urn:p"><e xmlns:p=""><p:x/></e></r>', LIMITS)), 'RP001');
  });

  it('names the rule and the position of a malformation, never the input text', () => {
    for (const bad of ['<MARKER>', '<r></MARKER>', '<p:MARKER/>', '<r MARKER="1" MARKER="2"/>', '<r>&MARKER;</r>', '<r a="MARKER" b/>']) {
      try {
        parseXml(bad, LIMITS);
        assert.fail(`accepted ${bad}`);
      } catch (err) {
        assert.ok(err instanceof XmlInputError, bad);
        assert.equal(err.code, 'RP001', bad);
        assert.doesNotMatch(err.message, /MARKER/, bad);
        assert.match(err.message, /line \d+, column \d+/, bad);
      }
    }
  });
});

describe('readEnvelope', () => {
  const env = (inner: string, ns = S11) => parseXml(`<s:Envelope xmlns:s="${ns}">${inner}</s:Envelope>`, LIMITS).root;

  it('extracts header entries and the first body element', () => {
    const e = readEnvelope(env('<s:Header><h:a xmlns:h="urn:h"/><h:b xmlns:h="urn:h"/></s:Header><s:Body><m:op xmlns:m="urn:m"/></s:Body>'));
    assert.deepEqual(e.headers.map((h) => h.name), ['a', 'b']);
    assert.equal(e.body.name, 'op');
    assert.equal(readEnvelope(env('<s:Body><m:op xmlns:m="urn:m"/></s:Body>')).headers.length, 0);
  });

  it('answers a SOAP 1.2 envelope with VersionMismatch', () => {
    try {
      readEnvelope(env('<s:Body/>', 'http://www.w3.org/2003/05/soap-envelope'));
      assert.fail('expected a fault');
    } catch (err) {
      assert.ok(err instanceof SoapFault);
      assert.equal(err.code, 'RP001');
      assert.equal(err.faultcode, 'VersionMismatch');
    }
  });

  it('refuses anything that is not a SOAP 1.1 envelope (RP001)', () => {
    assert.equal(code(() => readEnvelope(parseXml('<Envelope/>', LIMITS).root)), 'RP001');
    assert.equal(code(() => readEnvelope(env('<s:Header/>'))), 'RP001');
    assert.equal(code(() => readEnvelope(env('<s:Body/><s:Body/>'))), 'RP001');
    assert.equal(code(() => readEnvelope(env('<s:Body/><s:Header/>'))), 'RP001');
    assert.equal(code(() => readEnvelope(env('<x/><s:Body/>'))), 'RP001');
    assert.equal(code(() => readEnvelope(env('<s:Body/>'))), 'RP005');
  });
});

describe('fault builder', () => {
  it('has the fixed RP001–RP011 table', () => {
    assert.deepEqual(Object.keys(FAULTS), ['RP001', 'RP002', 'RP003', 'RP004', 'RP005', 'RP006', 'RP007', 'RP008', 'RP009', 'RP010', 'RP011']);
    assert.equal(FAULTS.RP003.text, 'LogicalAddress missing');
    assert.equal(FAULTS.RP009.faultcode, 'Server');
    assert.equal(FAULTS.RP010.faultcode, 'Server');
    for (const c of ['RP001', 'RP002', 'RP003', 'RP004', 'RP005', 'RP006', 'RP007', 'RP008', 'RP011'] as const) assert.equal(FAULTS[c].faultcode, 'Client');
  });

  it('builds a SOAP 1.1 fault with prefixed faultcode, coded faultstring and a detail', () => {
    const xml = buildFault(new SoapFault('RP006', 'bad <value> & more', { path: '/a/b' }), 'corr-1');
    const { root } = parseXml(xml, { maxDepth: 10, maxElements: 100, maxAttributeBytes: 1000, maxNsPerElement: 8, maxNsPerDocument: 8 });
    const env = readEnvelope(root);
    assert.equal(env.body.name, 'Fault');
    const [faultcode, faultstring, detail] = env.body.children;
    assert.equal(faultcode!.name, 'faultcode');
    assert.equal(faultcode!.ns, '');
    assert.equal(faultcode!.text, 'soap:Client');
    assert.equal(faultstring!.text, 'RP006 XSD validation failed: bad <value> & more');
    assert.equal(detail!.name, 'detail');
    const d = detail!.children[0]!;
    assert.deepEqual(d.children.map((c) => [c.name, c.text]), [
      ['code', 'RP006'],
      ['correlationId', 'corr-1'],
      ['message', 'bad <value> & more'],
      ['path', '/a/b'],
    ]);
    assert.match(buildFault(new SoapFault('RP003')), /<faultstring>RP003 LogicalAddress missing<\/faultstring>/);
  });

  it('maps errors: database → RP010, anything else → RP009, with no message leaking', () => {
    assert.equal(toFault(new DatabaseUnavailableError('host 10.1.1.1 refused')).code, 'RP010');
    const f = toFault(new Error('secret internals'));
    assert.equal(f.code, 'RP009');
    assert.doesNotMatch(buildFault(f), /secret/);
    assert.match(buildFault(new SoapFault('RP001', 'x', { faultcode: 'VersionMismatch' })), /<faultcode>soap:VersionMismatch<\/faultcode>/);
  });
});
