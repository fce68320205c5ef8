/** Unit tests: the metadata-driven codec and the libxml2 envelope validator. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContractCodec } from '../src/soap/codec.js';
import { parseXml } from '../src/soap/xml.js';
import { describeViolation, EnvelopeValidator, validateResponse } from '../src/soap/validator.js';
import { echoContract } from './fixtures/echo-contract.js';
import { pingSetup } from './fixtures/ping-setup.js';

const LIMITS = { maxDepth: 64, maxElements: 10000, maxAttributeBytes: 8192, maxNsPerElement: 32, maxNsPerDocument: 256 };
const ECHO = 'urn:test:echo:EchoResponder:1';
const T = `{${ECHO}}EchoType`;
const EL = `{${ECHO}}Echo`;

function roundTrip(codec: ContractCodec, value: unknown): unknown {
  const xml = codec.encodeElement(EL, T, value);
  const { root, source } = parseXml(xml, LIMITS);
  return codec.decode(root, T, source);
}

describe('codec', () => {
  const codec = new ContractCodec(echoContract);
  codec.warm();

  it('round-trips every supported shape', () => {
    const value = {
      id: 7,
      text: 'a <b> & "c" ]]> \u00e5\u00e4\u00f6 \ud83d\ude00',
      flag: true,
      count: -12,
      big: '12345678901234567890',
      ratio: 0.5,
      code: [{ code: 'F32', codeSystem: '1.2.752.116.1.1.1.1.3' }, { code: 'M54' }],
      when: '2025-01-01T12:00:00+01:00',
      tags: ['a', 'b', 'c'],
      local: 'plain',
      amount: { $value: '12.50', currency: 'SEK' },
      child: { text: 'nested', flag: false },
    };
    assert.deepEqual(roundTrip(codec, value), value);
  });

  it('writes qualified elements in their own namespace, unqualified ones without, in schema order', () => {
    const xml = codec.encodeElement(EL, T, { child: { text: 'n' }, local: 'l', code: [{ code: 'X' }], text: 't', id: 1 });
    assert.equal(
      xml,
      `<ns3:Echo xmlns:ns1="urn:riv:itintegration:registry:1" xmlns:ns2="urn:test:echo:1" xmlns:ns3="${ECHO}" id="1">` +
        `<ns3:text>t</ns3:text><ns2:code><ns2:code>X</ns2:code></ns2:code><local>l</local><ns3:child><ns3:text>n</ns3:text></ns3:child></ns3:Echo>`,
    );
  });

  it('decodes booleans, numbers, whitespace and floats per the builtin', () => {
    const xml = `<e:Echo xmlns:e="${ECHO}"><e:text> keep </e:text><e:flag> 1 </e:flag><e:count> 42 </e:count><e:ratio>-INF</e:ratio><local>  a   b  </local></e:Echo>`;
    const { root, source } = parseXml(xml, LIMITS);
    assert.deepEqual(codec.decode(root, T, source), { text: ' keep ', flag: true, count: 42, ratio: -Infinity, local: 'a b' });
  });

  it('keeps xs:any content verbatim with the namespaces it needs, and writes it back', () => {
    const xml = `<e:Echo xmlns:e="${ECHO}" xmlns:o="urn:other"><e:text>t</e:text><o:ext a="1"><o:in>x</o:in></o:ext></e:Echo>`;
    const { root, source } = parseXml(xml, LIMITS);
    const v = codec.decode(root, T, source) as { $any: Array<{ ns: string; name: string; xml: string }> };
    assert.equal(v.$any.length, 1);
    assert.equal(v.$any[0]!.ns, 'urn:other');
    assert.equal(v.$any[0]!.name, 'ext');
    const again = parseXml(v.$any[0]!.xml, LIMITS).root;
    assert.equal(again.ns, 'urn:other');
    assert.equal(again.children[0]!.text, 'x');
    assert.match(codec.encodeElement(EL, T, v), /<o:ext [^>]*a="1"><o:in>x<\/o:in><\/o:ext><\/ns3:Echo>$/);
  });

  it('gives an xs:any fragment only the declarations it uses, QNames in values included', () => {
    const many = Array.from({ length: 20 }, (_, i) => ` xmlns:u${i}="urn:unused:${i}"`).join('');
    const xml =
      `<e:Echo xmlns:e="${ECHO}" xmlns="urn:default" xmlns:o="urn:other" xmlns:t="urn:types" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"${many}>` +
      `<e:text>t</e:text><o:ext xsi:type="t:Special"><plain/></o:ext><o:own xmlns:o="urn:own"/></e:Echo>`;
    const { root, source } = parseXml(xml, LIMITS);
    const v = codec.decode(root, T, source) as { $any: Array<{ xml: string }> };
    const [ext, own] = v.$any.map((a) => a.xml);
    assert.doesNotMatch(ext!, /urn:unused/);
    for (const d of ['xmlns="urn:default"', 'xmlns:o="urn:other"', 'xmlns:t="urn:types"', 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"']) {
      assert.ok(ext!.includes(d), `${d} in ${ext}`);
    }
    const again = parseXml(ext!, LIMITS).root;
    assert.equal(again.children[0]!.ns, 'urn:default');
    assert.equal(own, '<o:own xmlns="urn:default" xmlns:o="urn:own"/>', 'its own declaration is not repeated');
  });

  it('escapes attributes and refuses values it cannot encode', () => {
    assert.match(codec.encodeElement(EL, T, { text: 't', amount: { $value: '1', currency: 'a"b<\n' } }), /currency="a&quot;b&lt;&#10;"/);
    assert.throws(() => codec.encodeElement(EL, T, { text: 't', count: Infinity }));
    assert.throws(() => codec.encodeElement(EL, T, 'not an object'));
  });

  it('replaces characters XML cannot carry', () => {
    assert.match(codec.encodeElement(EL, T, { text: 'a\u0000b' }), /<ns3:text>a\uFFFDb<\/ns3:text>/);
  });
});

describe('validator', async () => {
  const { contract, contractRoot } = await pingSetup();
  const TJSR = 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1';
  const env = (header: string, body: string) =>
    `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:r="urn:riv:itintegration:registry:1" xmlns:t="${TJSR}"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
  const ping = `<t:PingForConfiguration><t:serviceContractNamespace>x</t:serviceContractNamespace><t:logicalAddress>y</t:logicalAddress></t:PingForConfiguration>`;
  const v = EnvelopeValidator.compile(contract, contractRoot);

  it('accepts a valid request envelope, with lax unknown headers', () => {
    assert.equal(v.validate(env('<r:LogicalAddress>A</r:LogicalAddress><x:y xmlns:x="urn:x"/>', ping)), undefined);
    assert.equal(v.validate(Buffer.from(env('<r:LogicalAddress>A</r:LogicalAddress>', ping))), undefined);
  });

  it('validates declared elements strictly and reports the element, the rule and the path', () => {
    const f = v.validate(env('<r:LogicalAddress>A</r:LogicalAddress>', ping.replace('<t:logicalAddress>y</t:logicalAddress>', '')));
    assert.ok(f);
    assert.equal(f.message, `element {${TJSR}}PingForConfiguration: a required child element is missing`);
    assert.equal(f.path, '/s:Envelope/s:Body/t:PingForConfiguration');
    assert.ok(v.validate(env('<r:LogicalAddress><r:x/></r:LogicalAddress>', ping)));
  });

  it('never repeats a rejected value: not in the message, not in the path', () => {
    const M = 'MARK19121212';
    const bad = [
      env(`<r:LogicalAddress>A</r:LogicalAddress>`, ping.replace('>y<', `><t:x>${M}</t:x><`)),
      env(`<r:LogicalAddress>A</r:LogicalAddress>`, ping.replace('<t:PingForConfiguration>', `<t:PingForConfiguration k="${M}">`)),
      env(`<r:LogicalAddress>A</r:LogicalAddress>`, ping.replace('<t:PingForConfiguration>', `<t:PingForConfiguration>${M}`)),
      env(`<r:LogicalAddress xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="r:${M}">A</r:LogicalAddress>`, ping),
      env(`<r:LogicalAddress xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="${M}">A</r:LogicalAddress>`, ping),
      env(`<r:LogicalAddress>A</r:LogicalAddress>`, ping).replace('<s:Header>', `<s:Header s:mustUnderstand="${M}">`),
      `<a>${M}</b>`,
      `<?xml version="1.0" encoding="${M}"?><a/>`,
    ];
    for (const xml of bad) {
      const f = v.validate(xml);
      assert.ok(f, xml);
      assert.doesNotMatch(`${f.message} ${f.path}`, new RegExp(M), xml);
    }
  });

  it('describes each kind of libxml2 message by its rule alone', () => {
    const cases: Array<[string, string]> = [
      ["Element '{urn:a}b': 'X1' is not a valid value of the atomic type 'xs:boolean'.", 'element {urn:a}b: not a valid value of the atomic type xs:boolean'],
      ["Element '{urn:a}b': [facet 'pattern'] The value 'X1' is not accepted by the pattern '[0-9]+'.", 'element {urn:a}b: the value breaks the pattern facet'],
      ["Element '{urn:a}b': [facet 'enumeration'] The value 'X1' is not an element of the set {'A', 'B'}.", 'element {urn:a}b: the value breaks the enumeration facet'],
      ["Element '{urn:a}b', attribute 'c': 'X1' is not a valid value of the local atomic type.", 'element {urn:a}b, attribute c: not a valid value of the atomic type'],
      ["Element '{urn:a}b': Something new about 'X1'.", 'element {urn:a}b: does not conform to the schema'],
      ["Something else entirely 'X1'", 'does not conform to the schema'],
    ];
    for (const [message, expected] of cases) assert.equal(describeViolation(message), expected);
  });

  it('validateResponse checks a response envelope', () => {
    const ok = env('', `<t:PingForConfigurationResponse><t:version>1</t:version><t:pingDateTime>20250101120000</t:pingDateTime></t:PingForConfigurationResponse>`);
    assert.equal(validateResponse(contract, ok, contractRoot), undefined);
    assert.ok(validateResponse(contract, ok.replace('20250101120000', '2025-01-01'), contractRoot));
  });
});
