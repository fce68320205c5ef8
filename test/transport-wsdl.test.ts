/** Unit tests: WSDL/XSD rewriting and the set of served schemas. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ContractDocuments, baseUrlFor } from '../src/transport/wsdl.js';
import { endpointPath } from '../src/soap/service.js';
import { pingSetup } from './fixtures/ping-setup.js';

describe('contract documents', async () => {
  const { contract, contractRoot } = await pingSetup();
  const docs = new ContractDocuments(contract, contractRoot);
  const path = endpointPath(contract);
  const base = `https://producer.example:8443${path}`;

  it('builds the endpoint path from domain, name and major', () => {
    assert.equal(path, '/itintegration/monitoring/PingForConfiguration/1/rivtabp21');
  });

  it('writes the real address and rewrites every schemaLocation in the WSDL', () => {
    const wsdl = docs.wsdlFor(base).body;
    assert.match(wsdl, /<soap:address location=['"]https:\/\/producer\.example:8443\/itintegration\/monitoring\/PingForConfiguration\/1\/rivtabp21['"]/);
    const locs = [...wsdl.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)].map((m) => m[1]);
    assert.ok(locs.length > 0);
    for (const l of locs) assert.ok(l!.startsWith(`${base}?xsd=schemas/`), l);
  });

  it('serves exactly the imported schemas, rewritten recursively', () => {
    assert.deepEqual(docs.schemaPaths.sort(), [...contract.schemaFiles].sort());
    for (const p of docs.schemaPaths) {
      const x = docs.xsdFor(p, base)!.body;
      for (const m of x.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)) assert.ok(m[1]!.startsWith(`${base}?xsd=`), m[1]);
    }
    for (const bad of ['../package.json', '/etc/passwd', 'schemas/soap/soap-envelope-1.1.xsd', contract.wsdlFile, 'schemas//x.xsd']) {
      assert.equal(docs.xsdFor(bad, base), undefined, bad);
    }
  });

  it('escapes the base URL and ignores hostile Host headers', () => {
    assert.equal(baseUrlFor('https://pub.example', 'evil"host', 'fallback:1', path), `https://pub.example${path}`);
    assert.equal(baseUrlFor(undefined, 'evil"><x', 'fallback:1', path), `https://fallback:1${path}`);
    assert.equal(baseUrlFor(undefined, 'localhost:8443', 'fallback:1', path), `https://localhost:8443${path}`);
    assert.equal(baseUrlFor(undefined, '[::1]:8443', 'f', path), `https://[::1]:8443${path}`);
    assert.doesNotMatch(docs.wsdlFor('https://a"b').body, /a"b/);
  });
});
