/** WSDL/XSD rewriting, the set of served schemas, and which Host header may reach soap:address (unit and end to end). */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodePath from 'node:path';
import { ContractDocuments, baseUrlFor } from '../src/transport/wsdl.js';
import { endpointPath } from '../src/soap/service.js';
import { pingSetup } from './fixtures/ping-setup.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { httpsCall, type HttpsReply } from './helpers/https-call.js';

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

  it('escapes the base URL', () => {
    assert.doesNotMatch(docs.wsdlFor('https://a"b').body, /a"b/);
  });
});

describe('baseUrlFor: which Host may reach soap:address', () => {
  const path = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
  const cfg = { publicUrl: undefined, allowedHosts: ['localhost', '127.0.0.1', '::1', 'producer-7.internal'] };
  const at = (host: string | undefined, port = 8443) => baseUrlFor(cfg, host, port, path);

  it('PRODUCER_PUBLIC_URL wins over any Host', () => {
    assert.equal(baseUrlFor({ ...cfg, publicUrl: 'https://pub.example' }, 'localhost:8443', 8443, path), `https://pub.example${path}`);
    assert.equal(baseUrlFor({ ...cfg, publicUrl: 'https://pub.example' }, 'evil"host', 8443, path), `https://pub.example${path}`);
  });

  it('an allowed name on the listening port is used, compared case-insensitively, IPv6 in brackets', () => {
    assert.equal(at('localhost:8443'), `https://localhost:8443${path}`);
    assert.equal(at('LocalHost:8443'), `https://localhost:8443${path}`);
    assert.equal(at('127.0.0.1:8443'), `https://127.0.0.1:8443${path}`);
    assert.equal(at('[::1]:8443'), `https://[::1]:8443${path}`);
    assert.equal(at('producer-7.INTERNAL:8443'), `https://producer-7.internal:8443${path}`);
    // No port in Host means the https default, which is right only when we listen there.
    assert.equal(at('localhost', 443), `https://localhost:443${path}`);
    // A configured name may be written with brackets too.
    assert.equal(baseUrlFor({ ...cfg, allowedHosts: ['[::1]'] }, '[::1]:8443', 8443, path), `https://[::1]:8443${path}`);
  });

  it('any other Host gets https://localhost:<listening port>, never the caller’s text', () => {
    const fallback = `https://localhost:8443${path}`;
    for (const host of [
      undefined,
      '',
      'evil.example',
      'evil.example:8443',
      'localhost.evil.example:8443',
      'evil.localhost:8443',
      'localhost:9999', // allowed name, other port
      '127.0.0.1:9999',
      'localhost', // no port: 443, not the listening port
      'localhost:08443x',
      'localhost:8443:1',
      '[::2]:8443',
      '[::1]', // no port
      '::1:8443', // IPv6 without brackets is not a Host
      'localhost.:8443',
      'evil"><x',
      'user@localhost:8443',
      'localhost:8443/',
      ' localhost:8443',
    ]) {
      assert.equal(at(host), fallback, String(host));
    }
  });
});

describe('Host header end to end (no PRODUCER_PUBLIC_URL)', () => {
  let t: TestApp;
  const PING = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
  before(async () => {
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false' });
  });
  after(async () => {
    await t?.close();
  });

  /** GET over mutual TLS to 127.0.0.1 with the Host header the caller chooses. */
  function get(pathAndQuery: string, host: string): Promise<HttpsReply> {
    const file = (f: string) => fs.readFileSync(nodePath.join(t.certsDir, f));
    return httpsCall({
      host: '127.0.0.1',
      servername: 'localhost',
      port: t.port,
      path: pathAndQuery,
      headers: { Host: host },
      agent: false,
      key: file('journal-system.key'),
      cert: file('journal-system.crt'),
      ca: file('ca.crt'),
    });
  }

  /** Every URL the documents hand out: soap:address and each schemaLocation, following imports. */
  async function urlsServedFor(host: string): Promise<{ address: string; schemaLocations: string[] }> {
    const wsdl = await get(`${PING}?wsdl`, host);
    assert.equal(wsdl.status, 200);
    const address = /<(?:\w+:)?address\b[^>]*\blocation=['"]([^'"]*)['"]/.exec(wsdl.body)![1]!;
    const schemaLocations: string[] = [];
    const queue = [...wsdl.body.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)].map((m) => m[1]!);
    while (queue.length > 0) {
      const loc = queue.shift()!;
      if (schemaLocations.includes(loc)) continue;
      schemaLocations.push(loc);
      const q = loc.indexOf('?xsd=');
      assert.ok(q > 0, loc);
      const xsd = await get(`${PING}${loc.slice(q)}`, host);
      assert.equal(xsd.status, 200, loc);
      for (const m of xsd.body.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)) queue.push(m[1]!);
    }
    assert.ok(schemaLocations.length >= 2);
    return { address, schemaLocations };
  }

  it('Host: evil.example gets https://localhost:<port> in soap:address and every schemaLocation', async () => {
    const base = `https://localhost:${t.port}${PING}`;
    for (const host of ['evil.example', `evil.example:${t.port}`, `127.0.0.1:${t.port + 1}`, `127.0.0.1`]) {
      const { address, schemaLocations } = await urlsServedFor(host);
      assert.equal(address, base, host);
      for (const loc of schemaLocations) assert.ok(loc.startsWith(`${base}?xsd=`), `${host}: ${loc}`);
    }
  });

  it('an allowed Host on the listening port is written back', async () => {
    const { address, schemaLocations } = await urlsServedFor(`127.0.0.1:${t.port}`);
    const base = `https://127.0.0.1:${t.port}${PING}`;
    assert.equal(address, base);
    for (const loc of schemaLocations) assert.ok(loc.startsWith(`${base}?xsd=`), loc);
  });
});
